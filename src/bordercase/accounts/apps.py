from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bordercase.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from bordercase.accounts.models import ApiToken, Membership, Organisation, User
        from bordercase.accounts.roles import held_roles
        from bordercase.accounts.tokens import held_tokens

        # What the held tokens and roles are read from: a change to any of it is read afresh everywhere. A sign-in
        # saves only when it was, which a token does not depend on; whether a user is active is checked per call
        # before their roles are looked up.
        held_tokens.follow(ApiToken, User, ignoring=("last_login",))
        held_roles.follow(Membership, Organisation)
