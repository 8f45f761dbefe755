"""Operators manage domains, accounts and API tokens here."""

from django.contrib import admin, messages
from django.http import HttpRequest

from jmapcore.models import Account, ApiToken, Domain
from jmapcore.services.accounts import token_create


class AccountInline(admin.TabularInline):
    model = Account
    fields = ("local_part", "name", "quota_bytes", "user")
    readonly_fields = ("user",)
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("name", "account_count", "created_at")
    search_fields = ("name",)
    inlines = [AccountInline]

    @admin.display(description="Accounts")
    def account_count(self, domain: Domain) -> int:
        return domain.accounts.count()


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("__str__", "name", "quota_bytes", "jmap_id", "created_at")
    list_select_related = ("domain",)
    search_fields = ("local_part", "domain__name", "name")
    list_filter = ("domain",)
    readonly_fields = ("user", "domain", "local_part", "jmap_id")
    fields = ("user", "domain", "local_part", "jmap_id", "name", "quota_bytes")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New accounts need their standard mailboxes and change log: use createaccount.
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at")
    search_fields = ("user__username", "name", "prefix")
    fields = ("user", "name", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    actions = ["issue_replacement"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        secret = token_create(obj.user, obj.name)
        saved = ApiToken.objects.get(key_hash__isnull=False, prefix=secret[:12], user=obj.user)
        obj.pk = saved.pk
        messages.warning(request, f"New token (shown once): {secret}")

    @admin.action(description="Issue a new token for the same user")
    def issue_replacement(self, request: HttpRequest, queryset) -> None:
        for token in queryset:
            messages.warning(
                request,
                f"New token for {token.user} (shown once): {token_create(token.user, token.name)}",
            )
