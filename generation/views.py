from __future__ import annotations

import random

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from generation import services, studio_services
from generation.forms import (
    AddToCollectionForm,
    CollectionForm,
    EditForm,
    FrameForm,
    InterpolateForm,
    KeepForm,
    PromptForm,
    UploadForm,
)
from generation.lib import storage
from generation.models import Collection, GeneratedImage, Generation, OutpaintCanvas

# "Surprise me": prompts the bundled model draws well (its world is shapes, colours and places).
EXAMPLES = [
    "a red circle above a blue square on a yellow background",
    "three green triangles on a white background",
    "a small purple star to the left of a large orange circle",
    "two blue squares and a red triangle on a black background",
    "a yellow circle in the top right corner of a cyan background",
    "an orange square below a green circle, on a grey background",
    "a pink heart between two white stars on a navy background",
    "four small red circles in a row on a light blue background",
]
MAX_UPLOAD = studio_services.UPLOAD_MAX_BYTES


# --- Helpers -------------------------------------------------------------------------------


def _get_generation_for_user(user, public_id) -> Generation:
    return get_object_or_404(Generation, public_id=public_id, owner=user)


def _get_image_for_user(user, public_id) -> GeneratedImage:
    return get_object_or_404(
        GeneratedImage.objects.select_related("generation"), public_id=public_id, generation__owner=user, hidden=False
    )


def _get_canvas_for_user(user, public_id) -> OutpaintCanvas:
    return get_object_or_404(OutpaintCanvas, public_id=public_id, owner=user)


def _get_collection_for_user(user, public_id) -> Collection:
    return get_object_or_404(Collection, public_id=public_id, owner=user)


def buy_credits_url() -> str:
    """The page where credits are bought (the overview until a purchase page exists)."""
    try:
        return reverse("billing:buy")
    except NoReverseMatch:
        return reverse("billing:overview")


def _error_json(error: services.SubmitError | str, status: int = 400) -> JsonResponse:
    if isinstance(error, str):
        return JsonResponse({"error": error}, status=status)
    payload = {"error": error.message, "param": error.param, "code": error.code}
    if error.code == "insufficient_credits":
        payload["buy_url"] = buy_credits_url()
    return JsonResponse(payload, status=status)


def _form_error_json(form) -> JsonResponse:
    messages = [m for errors in form.errors.values() for m in errors]
    return _error_json(" ".join(messages))


def _submit_context(error: services.SubmitError | None) -> dict:
    return {"out_of_credits": bool(error and error.code == "insufficient_credits"), "buy_url": buy_credits_url()}


def _image_payload(image: GeneratedImage) -> dict:
    return {
        "id": str(image.public_id),
        "index": image.index,
        "url": storage.signed_url(image.storage_key),
        "detail_url": reverse("generation:image", args=[image.public_id]),
    }


def _canvas_payload(canvas: OutpaintCanvas) -> dict:
    return {
        "id": str(canvas.public_id),
        "url": storage.signed_url(canvas.storage_key),
        "width": canvas.width,
        "height": canvas.height,
        "origin_x": canvas.origin_x,
        "origin_y": canvas.origin_y,
        "frame": OutpaintCanvas.FRAME,
        "version": canvas.version,
    }


def _recent_images(user, *, exclude=None, limit: int = 12):
    images = GeneratedImage.objects.filter(
        generation__owner=user, hidden=False, generation__canvas__isnull=True
    ).select_related("generation").order_by("-created_at", "-id")
    if exclude is not None:
        images = images.exclude(pk=exclude.pk)
    return images[:limit]


# --- Prompt, generations, history ---------------------------------------------------------


def home(request):
    if request.user.is_authenticated:
        return redirect("generation:studio")
    return render(request, "generation/landing.html")


@login_required
@require_http_methods(["GET", "POST"])
def studio(request):
    form = PromptForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            generation = services.submit_generation(
                request.user, prompt=form.cleaned_data["prompt"], size=form.cleaned_data["size"]
            )
        except services.SubmitError as e:
            error = e
            form.add_error("prompt" if e.param == "prompt" else None, e.message)
        else:
            return redirect("generation:detail", public_id=generation.public_id)
    recent = Generation.objects.filter(owner=request.user, canvas__isnull=True).prefetch_related("images")[:8]
    context = {"form": form, "recent": recent, "examples": EXAMPLES, "surprise": random.choice(EXAMPLES),
               **_submit_context(error)}
    return render(request, "generation/studio.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def detail(request, public_id):
    generation = _get_generation_for_user(request.user, public_id)
    if generation.canvas_id:
        return redirect("generation:canvas", public_id=generation.canvas.public_id)
    return render(request, "generation/detail.html", {"generation": generation})


def _status_payload(generation: Generation) -> dict:
    return {
        "id": str(generation.public_id),
        "status": generation.status,
        "stage": generation.progress_stage,
        "step": generation.progress_step,
        "total": generation.progress_total,
        "n": generation.n,
        "model": generation.model_name,
        "error": generation.failure_reason if generation.status == Generation.Status.FAILED else "",
        "images": [_image_payload(im) for im in generation.visible_images()],
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
    generations = Generation.objects.filter(owner=request.user, canvas__isnull=True).prefetch_related("images")
    query = request.GET.get("q", "").strip()
    if query:
        generations = generations.filter(Q(prompt__icontains=query) | Q(prompt2__icontains=query))
    page = Paginator(generations, 24).get_page(request.GET.get("page"))
    canvases = OutpaintCanvas.objects.filter(owner=request.user)[:6] if not query else []
    return render(request, "generation/history.html", {"page": page, "query": query, "canvases": canvases})


@login_required
@require_GET
def favourites(request):
    images = GeneratedImage.objects.filter(
        generation__owner=request.user, hidden=False, favourited_at__isnull=False
    ).select_related("generation").order_by("-favourited_at")
    page = Paginator(images, 24).get_page(request.GET.get("page"))
    return render(request, "generation/favourites.html", {"page": page})


# --- One image ---------------------------------------------------------------------------


@login_required
@require_GET
def image_detail(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    context = {
        "image": image,
        "generation": image.generation,
        "url": storage.signed_url(image.storage_key),
        "share_url": request.build_absolute_uri(reverse("generation:shared", args=[image.share_token]))
        if image.share_token else "",
        "collections": request.user.collections.all(),
        "in_collections": image.collections.all(),
        "siblings": image.generation.visible_images(),
    }
    return render(request, "generation/image.html", context)


@login_required
@require_GET
def image_download(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    try:
        data = storage.read_bytes(image.storage_key)
    except storage.StorageError as e:
        raise Http404("The image could not be read right now.") from e
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="easel-{image.public_id}.png"'
    return response


@login_required
@require_POST
def image_favourite(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    studio_services.set_favourite(image, request.POST.get("favourite") != "0")
    return redirect("generation:image", public_id=image.public_id)


@login_required
@require_POST
def image_share(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    studio_services.share_image(image)
    return redirect("generation:image", public_id=image.public_id)


@login_required
@require_POST
def image_unshare(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    studio_services.revoke_share(image)
    return redirect("generation:image", public_id=image.public_id)


@login_required
@require_POST
def image_collect(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    form = AddToCollectionForm(request.POST)
    if not form.is_valid():
        return redirect("generation:image", public_id=image.public_id)
    if form.cleaned_data["collection"]:
        collection = _get_collection_for_user(request.user, form.cleaned_data["collection"])
    else:
        collection = studio_services.create_collection(request.user, title=form.cleaned_data["new_title"])
    studio_services.add_to_collection(collection, image)
    return redirect("generation:image", public_id=image.public_id)


@login_required
@require_POST
def image_variations(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    try:
        generation = studio_services.submit_variations(request.user, image)
    except services.SubmitError as e:
        return render(request, "generation/refused.html", {"error": e, **_submit_context(e)}, status=400)
    return redirect("generation:detail", public_id=generation.public_id)


# --- The editor (inpainting) ----------------------------------------------------------------


@login_required
@require_GET
def editor(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    form = EditForm(initial={"prompt": image.generation.prompt})
    context = {"image": image, "url": storage.signed_url(image.storage_key), "form": form, "buy_url": buy_credits_url()}
    return render(request, "generation/editor.html", context)


@login_required
@require_POST
def edit_submit(request, public_id):
    """The editor's Generate: JSON in reply, so the page keeps the brush strokes and the prompt."""
    image = _get_image_for_user(request.user, public_id)
    form = EditForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_error_json(form)
    mask = form.cleaned_data["mask"]
    if mask.size > MAX_UPLOAD:
        return _error_json("The erased area could not be read. Please try again.")
    try:
        generation = studio_services.submit_edit(request.user, image, mask=mask.read(), prompt=form.cleaned_data["prompt"])
    except services.SubmitError as e:
        return _error_json(e)
    return JsonResponse(
        {"id": str(generation.public_id), "status_url": reverse("generation:status", args=[generation.public_id])},
        status=201,
    )


@login_required
@require_POST
def keep(request, public_id):
    """Keep an edit candidate (this image); JSON for the editor, a redirect otherwise."""
    image = _get_image_for_user(request.user, public_id)
    studio_services.keep_candidate(request.user, image)
    url = reverse("generation:image", args=[image.public_id])
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"detail_url": url})
    return redirect(url)


# --- Variations from an upload, and interpolation ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def upload_variations(request):
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["image"]
        data = upload.read(MAX_UPLOAD + 1)
        try:
            generation = studio_services.submit_upload_variations(request.user, data, size=form.cleaned_data["size"])
        except services.SubmitError as e:
            error = e
            form.add_error("image", e.message)
        else:
            return redirect("generation:detail", public_id=generation.public_id)
    context = {"form": form, **_submit_context(error)}
    return render(request, "generation/upload.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def interpolate(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    form = InterpolateForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["other"]
        other_image = _get_image_for_user(request.user, other) if other else None
        try:
            generation = studio_services.submit_interpolation(
                request.user, image, other=other_image, text="" if other_image else form.cleaned_data["text"]
            )
        except services.SubmitError as e:
            error = e
            form.add_error(None, e.message)
        else:
            return redirect("generation:detail", public_id=generation.public_id)
    choices = [(im, storage.signed_url(im.storage_key)) for im in _recent_images(request.user, exclude=image)]
    context = {"image": image, "url": storage.signed_url(image.storage_key), "form": form, "choices": choices,
               **_submit_context(error)}
    return render(request, "generation/interpolate.html", context, status=400 if form.errors else 200)


# --- Outpainting ------------------------------------------------------------------------------


@login_required
@require_POST
def outpaint_start(request, public_id):
    image = _get_image_for_user(request.user, public_id)
    try:
        canvas = studio_services.start_canvas(request.user, image)
    except services.SubmitError as e:
        return render(request, "generation/refused.html", {"error": e, **_submit_context(e)}, status=503)
    return redirect("generation:canvas", public_id=canvas.public_id)


@login_required
@require_GET
def canvas(request, public_id):
    canvas = _get_canvas_for_user(request.user, public_id)
    # The latest frame, if none of its candidates was kept yet: a reload shows them again.
    latest = canvas.frames.exclude(status=Generation.Status.FAILED).order_by("-created_at", "-id").first()
    pending = latest if latest and not latest.images.filter(kept=True).exists() else None
    context = {
        "canvas": canvas,
        "state": _canvas_payload(canvas),
        "form": FrameForm(initial={"prompt": canvas.prompt}),
        "buy_url": buy_credits_url(),
        "pending": pending,
    }
    return render(request, "generation/canvas.html", context)


@login_required
@require_GET
def canvas_state(request, public_id):
    return JsonResponse(_canvas_payload(_get_canvas_for_user(request.user, public_id)))


@login_required
@require_POST
def canvas_frame(request, public_id):
    canvas = _get_canvas_for_user(request.user, public_id)
    form = FrameForm(request.POST)
    if not form.is_valid():
        return _form_error_json(form)
    data = form.cleaned_data
    try:
        generation = studio_services.submit_outpaint(request.user, canvas, x=data["x"], y=data["y"], prompt=data["prompt"])
    except services.SubmitError as e:
        return _error_json(e)
    return JsonResponse(
        {"id": str(generation.public_id), "status_url": reverse("generation:status", args=[generation.public_id]),
         "x": generation.frame_x, "y": generation.frame_y},
        status=201,
    )


@login_required
@require_POST
def canvas_keep(request, public_id):
    canvas = _get_canvas_for_user(request.user, public_id)
    form = KeepForm(request.POST)
    if not form.is_valid():
        return _form_error_json(form)
    image = _get_image_for_user(request.user, form.cleaned_data["image"])
    try:
        canvas = studio_services.keep_outpaint_candidate(request.user, canvas, image)
    except services.SubmitError as e:
        return _error_json(e)
    return JsonResponse(_canvas_payload(canvas))


@login_required
@require_GET
def canvas_export(request, public_id):
    canvas = _get_canvas_for_user(request.user, public_id)
    try:
        data = studio_services.canvas_png(canvas)
    except services.SubmitError as e:
        raise Http404(e.message) from e
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="easel-canvas-{canvas.public_id}.png"'
    return response


# --- Collections and sharing -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collections(request):
    form = CollectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        collection = studio_services.create_collection(
            request.user, title=form.cleaned_data["title"], is_public=form.cleaned_data["is_public"]
        )
        return redirect("generation:collection", public_id=collection.public_id)
    rows = [
        (c, [storage.signed_url(im.storage_key) for im in c.images.filter(hidden=False)[:4]])
        for c in request.user.collections.all()
    ]
    return render(request, "generation/collections.html", {"form": form, "rows": rows},
                  status=400 if form.errors else 200)


@require_GET
def collection_detail(request, public_id):
    """The owner's view, or the public page of a public collection; 404 for anyone else."""
    collection = get_object_or_404(Collection.objects.select_related("owner"), public_id=public_id)
    is_owner = request.user.is_authenticated and collection.owner_id == request.user.pk
    if not (is_owner or collection.is_public):
        raise Http404("No such collection.")
    images = [(im, storage.signed_url(im.storage_key)) for im in collection.images.filter(hidden=False).order_by("-collection_items__added_at")]
    return render(request, "generation/collection.html",
                  {"collection": collection, "images": images, "is_owner": is_owner})


@login_required
@require_POST
def collection_update(request, public_id):
    collection = _get_collection_for_user(request.user, public_id)
    if "remove" in request.POST:
        image = _get_image_for_user(request.user, request.POST["remove"])
        studio_services.remove_from_collection(collection, image)
    else:
        collection.is_public = request.POST.get("is_public") == "1"
        collection.save(update_fields=["is_public"])
    return redirect("generation:collection", public_id=collection.public_id)


@require_GET
def shared(request, token: str):
    """A shared image's public page: works signed out, until the owner revokes the link."""
    image = get_object_or_404(GeneratedImage.objects.select_related("generation"), share_token=token, hidden=False)
    return render(request, "generation/shared.html", {"image": image, "url": storage.signed_url(image.storage_key)})


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
