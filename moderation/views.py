from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from moderation.models import Flag


@login_required
def queue(request):
    if not request.user.can_moderate:
        raise PermissionDenied
    flags = Flag.objects.filter(status=Flag.Status.OPEN).select_related("user")[:100]
    return render(request, "moderation/queue.html", {"flags": flags})
