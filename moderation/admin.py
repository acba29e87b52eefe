from django.contrib import admin

from moderation.models import Flag


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "target", "category", "status"]
    list_filter = ["target", "category", "status"]
