from django.urls import path

from . import expert_pool, panels, sheet_views

urlpatterns = [
    path("", panels.panel_list, name="list"),
    path("experts/", expert_pool.pool, name="experts"),
    path("<int:pk>/members/add/", panels.add_member, name="add_member"),
    path("<int:pk>/members/<int:expert_pk>/remove/", panels.remove_member, name="remove_member"),
    path("<int:pk>/assign/", panels.assign, name="assign"),
    path("<int:pk>/assignments/<int:assignment_pk>/remove/", panels.unassign, name="unassign"),
    path("<int:pk>/sheets/<int:sheet_pk>/reopen/", panels.reopen, name="reopen"),
    path("<int:pk>/sheets/<int:sheet_pk>/", sheet_views.staff_sheet, name="sheet"),
]
