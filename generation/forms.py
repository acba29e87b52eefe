from django import forms
from django.conf import settings

SIZE_CHOICES = [(1024, "1024 × 1024"), (512, "512 × 512"), (256, "256 × 256")]


class PromptForm(forms.Form):
    prompt = forms.CharField(
        max_length=settings.STUDIO_PROMPT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": settings.STUDIO_PROMPT_MAX,
                                     "placeholder": "a red circle above a blue square on a yellow background"}),
        error_messages={
            "required": "Please describe the image you want.",
            "max_length": f"The prompt is too long: at most {settings.STUDIO_PROMPT_MAX} characters.",
        },
    )
    size = forms.TypedChoiceField(choices=SIZE_CHOICES, coerce=int, initial=1024)

    def clean_prompt(self) -> str:
        prompt = self.cleaned_data["prompt"].strip()
        if not prompt:
            raise forms.ValidationError("Please describe the image you want.")
        return prompt
