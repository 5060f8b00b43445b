# placeholder: being written by another engineer; replace this whole file.
from django.http import Http404

def entry_list(request, pk):
    raise Http404

def entry_create(request, pk):
    raise Http404

def entry_edit(request, pk):
    raise Http404

def entry_delete(request, pk):
    raise Http404

