"""Defense sessions of the provincial selection (namespace ``defense``, N-4.1.3)."""

from django.urls import path

from . import views_defense as views

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="create"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/add/", views.add_slots, name="add"),
    path("<int:pk>/renumber/", views.renumber, name="renumber"),
    path("<int:pk>/signin.pdf", views.signin_pdf, name="signin"),
    path("<int:pk>/slots/<int:slot_pk>/move/<str:direction>/", views.move_slot, name="move"),
    path("<int:pk>/slots/<int:slot_pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/slots/<int:slot_pk>/transfer/", views.transfer, name="transfer"),
    path("<int:pk>/slots/<int:slot_pk>/refuse/", views.refuse_reschedule, name="refuse"),
    path("slot/<int:slot_pk>/respond/", views.respond, name="respond"),
]
