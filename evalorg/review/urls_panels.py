from django.urls import path

from . import views_panels as views
from . import views_sheet

urlpatterns = [
    path("", views.panel_list, name="list"),
    path("experts/", views.pool, name="experts"),
    path("<int:pk>/members/add/", views.add_member, name="add_member"),
    path("<int:pk>/members/<int:expert_pk>/remove/", views.remove_member, name="remove_member"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/assignments/<int:assignment_pk>/remove/", views.unassign, name="unassign"),
    path("<int:pk>/sheets/<int:sheet_pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/sheets/<int:sheet_pk>/", views_sheet.staff_sheet, name="sheet"),
]
