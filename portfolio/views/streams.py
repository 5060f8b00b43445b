# placeholder: being written by another engineer; replace this whole file.
from django.http import Http404

def stream_list(request, pk):
    raise Http404

def stream_create(request, pk):
    raise Http404

def stream_edit(request, pk):
    raise Http404

def stream_delete(request, pk):
    raise Http404

def stream_confirm(request, pk):
    raise Http404

