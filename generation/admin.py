from django.contrib import admin

from generation.models import GeneratedImage, Generation


class ImageInline(admin.TabularInline):
    model = GeneratedImage
    extra = 0
    readonly_fields = ["index", "storage_key", "width", "height", "sha256", "hidden"]


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["public_id", "owner", "mode", "source", "status", "size", "n", "created_at"]
    list_filter = ["status", "mode", "source"]
    search_fields = ["prompt", "owner__email"]
    readonly_fields = [f.name for f in Generation._meta.fields]
    inlines = [ImageInline]
