"""The decoder's conditioning adapter: CLIP embeddings -> extra context tokens + a time-embedding term.

GLIDE/Karlo style (DALL-E 2 paper, section 2.1): the CLIP image embedding is
projected into `clip_extra_context_tokens` tokens placed before the projected
text token states, and the image embedding plus the pooled text embedding are
projected and added to the decoder's time embedding (passed to the UNet as
`class_labels` with `class_embed_type="identity"`).

Parameter names match diffusers' deprecated `UnCLIPTextProjModel`, so Karlo's
`text_proj/` weights load into this class unchanged.
"""

from __future__ import annotations

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn


class TextProjection(ModelMixin, ConfigMixin):
    """Combine image and text CLIP embeddings into the decoder's conditioning.

    forward(image_embeddings (B, D), prompt_embeds (B, D), text_encoder_hidden_states (B, L, W))
    -> (encoder_hidden_states (B, K + L, C), additive_time_embedding (B, T)), where
    D = clip_embeddings_dim, W = text_token_width (defaults to D, as in Karlo),
    K = clip_extra_context_tokens, C = cross_attention_dim, T = time_embed_dim.

    For classifier-free guidance the caller replaces the image embedding of the
    unconditional half by `learned_classifier_free_guidance_embeddings`
    (see `unconditional_image_embeddings`).
    """

    config_name = "config.json"

    @register_to_config
    def __init__(
        self,
        *,
        clip_extra_context_tokens: int = 4,
        clip_embeddings_dim: int = 768,
        time_embed_dim: int,
        cross_attention_dim: int,
        text_token_width: int | None = None,
    ):
        super().__init__()
        width = text_token_width or clip_embeddings_dim
        self.learned_classifier_free_guidance_embeddings = nn.Parameter(torch.zeros(clip_embeddings_dim))
        self.embedding_proj = nn.Linear(clip_embeddings_dim, time_embed_dim)
        self.clip_image_embeddings_project_to_time_embeddings = nn.Linear(clip_embeddings_dim, time_embed_dim)
        self.clip_extra_context_tokens = clip_extra_context_tokens
        self.clip_extra_context_tokens_proj = nn.Linear(clip_embeddings_dim, clip_extra_context_tokens * cross_attention_dim)
        self.encoder_hidden_states_proj = nn.Linear(width, cross_attention_dim)
        self.text_encoder_hidden_states_norm = nn.LayerNorm(cross_attention_dim)

    def unconditional_image_embeddings(self, batch_size: int) -> torch.Tensor:
        """The learned "no image" embedding, repeated `batch_size` times."""
        return self.learned_classifier_free_guidance_embeddings.unsqueeze(0).expand(batch_size, -1)

    def forward(
        self,
        image_embeddings: torch.Tensor,
        prompt_embeds: torch.Tensor,
        text_encoder_hidden_states: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch_size = prompt_embeds.shape[0]
        additive = self.clip_image_embeddings_project_to_time_embeddings(image_embeddings) + self.embedding_proj(
            prompt_embeds
        )
        extra = self.clip_extra_context_tokens_proj(image_embeddings)
        # Same reshape as Karlo (dims, tokens) -> (tokens, dims) so its weights mean the same here.
        extra = extra.reshape(batch_size, -1, self.clip_extra_context_tokens).permute(0, 2, 1)
        text = self.text_encoder_hidden_states_norm(self.encoder_hidden_states_proj(text_encoder_hidden_states))
        return torch.cat([extra, text], dim=1), additive
