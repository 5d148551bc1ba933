from django.contrib.auth import views as auth_views
from django.urls import path

from bordercase.web import account_views, document_views, intake_views, views

app_name = "web"
urlpatterns = [
    path("", views.start, name="start"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path("requests/", views.requests_list, name="requests"),
    path("requests/<str:reference>/", views.request_detail, name="request"),
    path("start-request/", intake_views.start_request, name="start-request"),
    path("requests/<str:reference>/person/", intake_views.person, name="apply-person"),
    path("requests/<str:reference>/assessing-body/", intake_views.assessing_body, name="apply-assessing-body"),
    path("requests/<str:reference>/questions/", intake_views.questions, name="apply-questions"),
    path("requests/<str:reference>/pre-assessment/", intake_views.pre_assessment, name="apply-pre-assessment"),
    path("requests/<str:reference>/evidence/", intake_views.evidence, name="apply-evidence"),
    path("requests/<str:reference>/evidence/<int:document_id>/remove/", intake_views.evidence_remove,
         name="apply-evidence-remove"),
    path("requests/<str:reference>/check/", intake_views.check_answers, name="apply-check"),
    path("requests/<str:reference>/lodged/", intake_views.lodged, name="request-lodged"),
    path("requests/<str:reference>/documents/<int:document_id>/", document_views.document_download, name="document"),
    path("requests/<str:reference>/withdraw/", intake_views.withdraw, name="request-withdraw"),
    path("account/api-tokens/", views.api_tokens, name="api-tokens"),
    path("sign-up/", account_views.sign_up, name="sign-up"),
    path("sign-up/check-email/", account_views.check_email, name="check-email"),
    path("sign-up/confirm/<str:token>/", account_views.confirm_email, name="confirm-email"),
    path("account/ready/", account_views.account_ready, name="account-ready"),
    path("organisation/", account_views.organisations, name="organisations"),
    path("organisation/new/", account_views.organisation_new, name="organisation-new"),
    path("organisation/<int:organisation_id>/", account_views.organisation, name="organisation"),
    path("organisation/<int:organisation_id>/invitations/<int:invitation_id>/withdraw/",
         account_views.invitation_revoke, name="invitation-revoke"),
    path("invitations/<str:token>/", account_views.invitation, name="invitation"),
    path("password-reset/", account_views.password_reset, name="password-reset"),
    path("password-reset/sent/", account_views.password_reset_sent, name="password-reset-sent"),
    path("password-reset/done/", account_views.password_reset_done, name="password-reset-done"),
    path("password-reset/<str:uidb64>/<str:token>/", account_views.password_reset_confirm,
         name="password-reset-confirm"),
]
