from django import forms
from django.conf import settings

SIZE_CHOICES = [(1024, "1024 × 1024"), (512, "512 × 512"), (256, "256 × 256")]

PROMPT_ERRORS = {
    "required": "Please describe the image you want.",
    "max_length": f"The prompt is too long: at most {settings.STUDIO_PROMPT_MAX} characters.",
}


def _prompt_field(placeholder: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        max_length=settings.STUDIO_PROMPT_MAX,
        required=required,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": settings.STUDIO_PROMPT_MAX, "placeholder": placeholder}),
        error_messages=PROMPT_ERRORS,
    )


class PromptForm(forms.Form):
    prompt = _prompt_field("a red circle above a blue square on a yellow background")
    size = forms.TypedChoiceField(choices=SIZE_CHOICES, coerce=int, initial=1024)

    def clean_prompt(self) -> str:
        prompt = self.cleaned_data["prompt"].strip()
        if not prompt:
            raise forms.ValidationError(PROMPT_ERRORS["required"])
        return prompt


class EditForm(forms.Form):
    """The editor's request: the whole new picture described, and the eraser's mask."""

    prompt = _prompt_field("Describe the whole new picture, not only the erased part")
    mask = forms.FileField(error_messages={"required": "Erase the part of the image you want to repaint first."})

    def clean_prompt(self) -> str:
        return PromptForm.clean_prompt(self)  # type: ignore[arg-type]


class FrameForm(forms.Form):
    """An outpainting frame: where it sits (world pixels) and what the whole frame should show."""

    prompt = _prompt_field("Describe the whole frame")
    x = forms.IntegerField(min_value=-100_000, max_value=100_000)
    y = forms.IntegerField(min_value=-100_000, max_value=100_000)

    def clean_prompt(self) -> str:
        return PromptForm.clean_prompt(self)  # type: ignore[arg-type]


class KeepForm(forms.Form):
    image = forms.UUIDField()


class UploadForm(forms.Form):
    image = forms.FileField(
        label="Image", error_messages={"required": "Please choose an image."},
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    size = forms.TypedChoiceField(choices=SIZE_CHOICES, coerce=int, initial=1024)


class InterpolateForm(forms.Form):
    other = forms.UUIDField(required=False)
    text = forms.CharField(max_length=settings.STUDIO_PROMPT_MAX, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "or describe where the strip should end"}))

    def clean(self):
        data = super().clean()
        if not data.get("other") and not (data.get("text") or "").strip():
            raise forms.ValidationError("Choose a second image or describe one.")
        return data


class CollectionForm(forms.Form):
    title = forms.CharField(max_length=100, error_messages={"required": "Give the collection a name."})
    is_public = forms.BooleanField(required=False, label="Public (anyone with the link can see it)")


class AddToCollectionForm(forms.Form):
    collection = forms.UUIDField(required=False)
    new_title = forms.CharField(max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("collection") and not (data.get("new_title") or "").strip():
            raise forms.ValidationError("Choose a collection or name a new one.")
        return data
