from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from generation import services
from generation.forms import PromptForm
from generation.lib import storage
from generation.models import Generation


def _get_generation_for_user(user, public_id) -> Generation:
    return get_object_or_404(Generation, public_id=public_id, owner=user)


def home(request):
    if request.user.is_authenticated:
        return redirect("generation:studio")
    return render(request, "generation/landing.html")


@login_required
@require_http_methods(["GET", "POST"])
def studio(request):
    form = PromptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            generation = services.submit_generation(
                request.user, prompt=form.cleaned_data["prompt"], size=form.cleaned_data["size"]
            )
        except services.SubmitError as e:
            form.add_error("prompt" if e.param == "prompt" else None, e.message)
        else:
            return redirect("generation:detail", public_id=generation.public_id)
    recent = Generation.objects.filter(owner=request.user).prefetch_related("images")[:8]
    status = 400 if form.errors else 200
    return render(request, "generation/studio.html", {"form": form, "recent": recent}, status=status)


@login_required
@require_GET
def detail(request, public_id):
    generation = _get_generation_for_user(request.user, public_id)
    return render(request, "generation/detail.html", {"generation": generation})


def _status_payload(generation: Generation) -> dict:
    return {
        "id": str(generation.public_id),
        "status": generation.status,
        "stage": generation.progress_stage,
        "step": generation.progress_step,
        "total": generation.progress_total,
        "n": generation.n,
        "error": generation.failure_reason if generation.status == Generation.Status.FAILED else "",
        "images": [
            {"index": im.index, "url": storage.signed_url(im.storage_key), "id": str(im.public_id)}
            for im in generation.visible_images()
        ],
        "hidden": generation.images.filter(hidden=True).count(),
    }


@login_required
@require_GET
def status(request, public_id):
    generation = _get_generation_for_user(request.user, public_id)
    return JsonResponse(_status_payload(generation))


@login_required
@require_GET
def history(request):
    generations = Generation.objects.filter(owner=request.user).prefetch_related("images")
    query = request.GET.get("q", "").strip()
    if query:
        generations = generations.filter(prompt__icontains=query)
    page = Paginator(generations, 24).get_page(request.GET.get("page"))
    return render(request, "generation/history.html", {"page": page, "query": query})


@require_GET
def signed_media(request, token: str):
    """Serve a stored file from local storage to whoever holds an unexpired signed URL."""
    try:
        key = storage.resolve_signed_token(token)
    except (signing.BadSignature, KeyError, ValueError) as e:
        raise Http404("This link has expired or is not valid.") from e
    if not default_storage.exists(key):
        raise Http404("Not found.")
    response = FileResponse(default_storage.open(key, "rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response
