from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bordercase.accounts"
    label = "accounts"
    verbose_name = "Accounts"
