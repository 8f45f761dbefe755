"""Operators manage domains, accounts and API tokens here."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from jmapcore.models import Account, Alias, ApiToken, Domain, Identity, OutboundMessage
from jmapcore.services.accounts import account_create, split_address, token_create


class AccountCreationForm(forms.ModelForm):
    """New accounts go through the same service as ``createaccount``: mailboxes and change log included."""

    address = forms.CharField(help_text="e.g. alice@example.org; the domain is created if new")
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    class Meta:
        model = Account
        fields = ("name", "quota_bytes")

    def clean_address(self) -> str:
        address = self.cleaned_data["address"].strip()
        try:
            local, domain = split_address(address)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if get_user_model().objects.filter(username__iexact=f"{local}@{domain}").exists():
            raise forms.ValidationError("This address already has an account")
        return f"{local}@{domain}"


class AccountInline(admin.TabularInline):
    model = Account
    fields = ("local_part", "name", "quota_bytes", "user")
    readonly_fields = ("user",)
    extra = 0
    show_change_link = True
    can_delete = False


class AliasInline(admin.TabularInline):
    model = Alias
    fields = ("local_part", "targets")
    autocomplete_fields = ("targets",)
    extra = 0
    show_change_link = True


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    """The DKIM key is generated when the domain is created; its public half is shown for DNS."""

    list_display = ("name", "account_count", "dkim_selector", "created_at")
    search_fields = ("name",)
    fields = ("name", "dkim_selector", "dkim_record_name", "dkim_record_value")
    readonly_fields = ("dkim_selector", "dkim_record_name", "dkim_record_value")
    inlines = [AccountInline, AliasInline]

    @admin.display(description="DKIM DNS record name (TXT)")
    def dkim_record_name(self, domain: Domain) -> str:
        return domain.dkim_record_name if domain.pk else "generated on save"

    @admin.display(description="DKIM DNS record value")
    def dkim_record_value(self, domain: Domain) -> str:
        return domain.dkim_record_value if domain.pk else "generated on save"

    @admin.display(description="Accounts")
    def account_count(self, domain: Domain) -> int:
        return domain.accounts.count()


class IdentityInline(admin.TabularInline):
    """Identities are changed by their owner over JMAP (Identity/set); operators see them here."""

    model = Identity
    fields = ("name", "email", "may_delete")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Account | None = None) -> bool:
        return False


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ("__str__", "target_list", "created_at")
    list_select_related = ("domain",)
    search_fields = ("local_part", "domain__name")
    list_filter = ("domain",)
    autocomplete_fields = ("targets",)
    fields = ("domain", "local_part", "targets")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("targets__domain")

    @admin.display(description="Delivers to")
    def target_list(self, alias: Alias) -> str:
        return ", ".join(str(account) for account in alias.targets.all())


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("__str__", "name", "quota_bytes", "jmap_id", "created_at")
    list_select_related = ("domain",)
    search_fields = ("local_part", "domain__name", "name")
    list_filter = ("domain",)
    readonly_fields = ("user", "domain", "local_part", "jmap_id")
    fields = ("user", "domain", "local_part", "jmap_id", "name", "quota_bytes")
    inlines = [IdentityInline]

    def get_inlines(self, request: HttpRequest, obj: Account | None = None):
        return self.inlines if obj is not None else []

    def get_form(self, request: HttpRequest, obj: Account | None = None, **kwargs):
        if obj is None:
            kwargs["form"] = AccountCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Account | None = None):
        return ("address", "password", "name", "quota_bytes") if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Account | None = None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Account, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = account_create(form.cleaned_data["address"], form.cleaned_data["password"], name=obj.name)
        Account.objects.filter(pk=created.pk).update(quota_bytes=obj.quota_bytes)
        obj.pk, obj.user, obj.domain, obj.local_part = (
            created.pk,
            created.user,
            created.domain,
            created.local_part,
        )


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


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """The outgoing queue as operators see it: read-only, the worker alone changes it."""

    list_display = ("pk", "account", "mail_from", "pending_count", "attempts", "send_at", "finished_at")
    list_filter = (("finished_at", admin.EmptyFieldListFilter),)
    search_fields = ("account__local_part", "account__domain__name", "mail_from", "pending")
    fields = (
        "account",
        "submission",
        "mail_from",
        "pending",
        "attempts",
        "send_at",
        "created_at",
        "finished_at",
    )
    ordering = ("-pk",)

    @admin.display(description="pending recipients")
    def pending_count(self, obj: OutboundMessage) -> int:
        return len(obj.pending)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundMessage | None = None) -> bool:
        return False
