# placeholder: being written by another engineer; replace this whole file.
from django.http import Http404

def holding_list(request, pk):
    raise Http404

def holding_create(request, pk):
    raise Http404

def holding_detail(request, pk):
    raise Http404

def holding_edit(request, pk):
    raise Http404

def holding_delete(request, pk):
    raise Http404

def valuation_add(request, pk):
    raise Http404

def valuation_delete(request, pk):
    raise Http404

