from django.urls import path

from . import views

app_name = "subscribers"

urlpatterns = [
    path("subscribe", views.subscribe, name="subscribe"),
    path("subscribe/thanks", views.thanks, name="thanks"),
    path("subscribe/confirm/<str:token>", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>", views.manage, name="manage"),
    # Bounces and complaints from the email service provider (django-anymail).
    path("anymail/<str:provider>/tracking/", views.mail_events, name="mail_events"),
]
