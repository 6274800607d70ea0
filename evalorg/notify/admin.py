from django.contrib import admin

from .models import Message, OutboundEmail


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "created_at", "read_at"]
    list_select_related = ["recipient"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
