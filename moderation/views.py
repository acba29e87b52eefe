from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from generation.lib import storage
from generation.models import GeneratedImage
from moderation import services
from moderation.forms import ReportForm, ReviewForm
from moderation.models import Flag


def _require_moderator(user) -> None:
    if not user.can_moderate:
        raise PermissionDenied


def _thumbnails(flag: Flag) -> list[str]:
    """Signed URLs of the images a flag is about (they expire like every image URL)."""
    keys = []
    if flag.image_id:
        keys.append(flag.image.storage_key)
    elif flag.generation_id:
        keys.extend(flag.generation.images.values_list("storage_key", flat=True))
    if flag.upload_key:
        keys.append(flag.upload_key)
    return [storage.signed_url(k) for k in keys]


@login_required
@require_GET
def queue(request):
    _require_moderator(request.user)
    status = request.GET.get("status", Flag.Status.OPEN)
    if status not in Flag.Status.values:
        status = Flag.Status.OPEN
    flags = list(
        Flag.objects.filter(status=status)
        .select_related("user", "reporter", "image", "generation", "reviewed_by")[:100]
    )
    rows = [{"flag": f, "thumbs": _thumbnails(f), "form": ReviewForm(prefix=f"f{f.pk}")} for f in flags]
    return render(request, "moderation/queue.html", {"rows": rows, "status": status, "statuses": Flag.Status.choices})


@login_required
@require_POST
def review(request, flag_id: int):
    _require_moderator(request.user)
    flag = get_object_or_404(Flag, pk=flag_id)
    form = ReviewForm(request.POST, prefix=f"f{flag.pk}")
    if not form.is_valid():
        messages.error(request, "Choose an action, and give a reason for warnings, suspensions and reinstatements.")
        return redirect("moderation:queue")
    services.review_flag(flag, actor=request.user, action=form.cleaned_data["action"], reason=form.cleaned_data["reason"])
    messages.success(request, f"Flag #{flag.pk}: {dict(form.fields['action'].choices)[form.cleaned_data['action']]}.")
    return redirect("moderation:queue")


def _get_reportable_image(user, public_id) -> GeneratedImage:
    """An image this visitor has been shown: their own, one shared by link, or one in a public
    collection. Anyone else's image is a 404, so a leaked id reports (and reveals) nothing."""
    image = get_object_or_404(GeneratedImage.objects.select_related("generation__owner"), public_id=public_id, hidden=False)
    is_owner = user.is_authenticated and image.generation.owner_id == user.pk
    if not (is_owner or image.share_token or image.collections.filter(is_public=True).exists()):
        raise Http404("No such image.")
    return image


@require_http_methods(["GET", "POST"])
def report(request, public_id):
    """Anyone shown an image (its owner, someone with a shared link, a public collection's visitor) may report it."""
    image = _get_reportable_image(request.user, public_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_image(
            image, reporter=request.user if request.user.is_authenticated else None,
            reason=form.cleaned_data["reason"], category=form.cleaned_data["category"],
        )
        return render(request, "moderation/report_done.html", status=201)
    return render(request, "moderation/report.html", {"form": form, "image": image}, status=400 if form.errors else 200)
