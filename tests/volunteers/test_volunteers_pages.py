"""Mutual-aid care through its pages and its API: a resident registers from the portal, the community
confirms, a task is posted, taken, completed and confirmed, and the balance, the certificate and the
figures show it. Refusals say why in the page's message or a 422/409 naming the field."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shequ.accounts.models import User
from shequ.programmes.volunteers import services
from shequ.programmes.volunteers.models import CareTask, LedgerEntry, TaskState, Volunteer, VolunteerState
from shequ.residents.models import Person

pytestmark = pytest.mark.django_db
WEB = "/programmes/volunteers"
API = "/api/programmes/volunteers"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_whole_journey_through_the_pages(world, user_of):
    daughter = Person.objects.get(name="王丽")
    family = User.objects.get(pk=world.volunteers.family)
    resident = signed_in(family)
    page = resident.get(f"{WEB}/portal/register/").content.decode()
    assert "王丽" in page and "陪诊" in page
    answer = resident.post(
        f"{WEB}/portal/register/",
        {"person": daughter.pk, "service_types": ["companionship", "clinic_escort"], "availability": "周末全天"},
    )
    assert answer.status_code == 200 and "consent" in answer.content.decode()  # no consent: nothing saved
    assert not Volunteer.objects.filter(person=daughter).exists()
    answer = resident.post(
        f"{WEB}/portal/register/",
        {
            "person": daughter.pk,
            "service_types": ["companionship", "clinic_escort"],
            "availability": "周末全天",
            "consent": "on",
        },
    )
    assert answer.status_code == 302
    volunteer = Volunteer.objects.get(person=daughter)
    assert volunteer.state == VolunteerState.PENDING

    staff = signed_in(user_of("community_staff"))
    pending = staff.get(f"{WEB}/pending/").content.decode()
    assert f'data-volunteer="{volunteer.pk}"' in pending and "王*" in pending and "王丽" not in pending
    assert staff.post(f"{WEB}/{volunteer.pk}/decide/", {"decision": "confirm"}).status_code == 302
    assert Volunteer.objects.get(pk=volunteer.pk).state == VolunteerState.CONFIRMED

    # Staff post a task for an elder of community B? Not theirs: the form offers community A's elders only.
    form = staff.get(f"{WEB}/tasks/new/").content.decode()
    assert "王秀英" in form and "周桂兰" not in form
    elder_b = Person.objects.get(pk=world.volunteers.elder_b)
    staff_b = signed_in(user_of("community_staff_b"))
    starts = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    answer = staff_b.post(
        f"{WEB}/tasks/new/",
        {"elder": elder_b.pk, "service_type": "companionship", "starts_at": starts, "duration_minutes": 90},
    )
    assert answer.status_code == 302
    task = CareTask.objects.filter(elder=elder_b).latest("pk")

    # The daughter (community A, same street) sees it without the elder's name, takes it, does it.
    home = resident.get(f"{WEB}/portal/").content.decode()
    assert f'data-task="{task.pk}"' in home and "周桂兰" not in home
    assert resident.post(f"{WEB}/portal/tasks/{task.pk}/take/").status_code == 302
    page = resident.get(f"{WEB}/portal/tasks/{task.pk}/").content.decode()
    assert "周桂兰" in page
    assert resident.post(f"{WEB}/portal/tasks/{task.pk}/complete/", {"hours": "1.5"}).status_code == 302
    assert CareTask.objects.get(pk=task.pk).state == TaskState.DONE
    # She cannot confirm her own hours: the message says so.
    answer = resident.post(f"{WEB}/portal/tasks/{task.pk}/confirm/", follow=True)
    assert answer.status_code == 200
    assert "志愿者不能确认自己的服务时长" in answer.content.decode()
    assert CareTask.objects.get(pk=task.pk).state == TaskState.DONE

    # Community B's staff confirm from their list of what waits; community A's staff cannot.
    assert staff.post(f"{WEB}/tasks/{task.pk}/confirm/").status_code == 404
    assert f'data-task="{task.pk}"' in staff_b.get(f"{WEB}/pending/").content.decode()
    assert staff_b.post(f"{WEB}/tasks/{task.pk}/confirm/", {"next": "pending"}).status_code == 302
    assert CareTask.objects.get(pk=task.pk).state == TaskState.CONFIRMED

    home = resident.get(f"{WEB}/portal/").content.decode()
    assert f'id="balance-{volunteer.pk}">1.5<' in home
    account = resident.get(f"{WEB}/portal/account/{volunteer.pk}/").content.decode()
    assert 'id="balance">1.5<' in account
    certificate = resident.get(f"{WEB}/portal/account/{volunteer.pk}/certificate/").content.decode()
    assert "志愿服务记录与证明出具办法" in certificate and 'id="total-hours"><strong>1.5<' in certificate
    assert world.community_b.name in certificate and "陪伴聊天" in certificate
    # Staff of her community read her account; the redemption beyond the balance is refused.
    detail = staff.get(f"{WEB}/{volunteer.pk}/").content.decode()
    assert 'id="balance">1.5<' in detail
    answer = staff.post(
        f"{WEB}/{volunteer.pk}/redeem/",
        {"hours": "2", "beneficiary": world.volunteers.elder_a, "reason": "陪诊"},
        follow=True,
    )
    assert "1.5" in answer.content.decode() and not LedgerEntry.objects.filter(volunteer=volunteer, hours__lt=0)
    answer = staff.post(
        f"{WEB}/{volunteer.pk}/redeem/",
        {"hours": "1", "beneficiary": world.volunteers.elder_a, "reason": "陪诊"},
    )
    assert answer.status_code == 302 and services.balance_of(volunteer) == Decimal("0.5")


def test_staff_lists_mask_names_and_phones(world, user_of):
    staff = signed_in(user_of("community_staff"))
    page = staff.get(f"{WEB}/").content.decode()
    assert "李*" in page and "李明" not in page and "136****0003" in page and "13660000003" not in page
    assert "陈*" not in page  # community B's volunteer
    tasks = staff.get(f"{WEB}/tasks/").content.decode()
    assert "王*英" in tasks and "王秀英" not in tasks and "周*兰" not in tasks
    detail = staff.get(f"{WEB}/tasks/{world.volunteers.done_a}/").content.decode()
    assert "王秀英" in detail and "136****0001" in detail and "13660000001" not in detail


def test_the_figures_page_draws_its_chart_from_local_files(world, user_of):
    staff = signed_in(user_of("street_officer"))
    page = staff.get(f"{WEB}/figures/").content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in page and "/static/programmes/area-chart.js" in page
    data = json.loads(page.split('id="volunteer-figures" type="application/json">')[1].split("</script>")[0])
    assert world.community_a.name in data["categories"] and world.community_b.name in data["categories"]
    assert 'id="fig-banked">3.5<' in page
    # Down to a community: its grids; another street's community is a 404.
    assert staff.get(f"{WEB}/figures/?area={world.community_a.code}").status_code == 200
    far = world.volunteers.far
    from shequ.areas.models import Area

    assert staff.get(f"{WEB}/figures/?area={Area.objects.get(pk=far).code}").status_code == 404


def test_the_api_take_race_loser_gets_a_409_and_own_confirmation_a_422(world, user_of):
    task = services.task_post(
        actor=user_of("community_staff"),
        elder_id=world.volunteers.elder_a,
        service_type_code="shopping",
        starts_at=timezone.now() - datetime.timedelta(minutes=30),
        duration_minutes=30,
    )
    first = signed_in(User.objects.get(pk=world.volunteers.accounts["a"]))
    second = signed_in(User.objects.get(pk=world.volunteers.accounts["b"]))
    taken = first.post(f"{API}/tasks/{task.pk}/take")
    assert taken.status_code == 200 and taken.json()["elder_name"] == "王秀英"
    lost = second.post(f"{API}/tasks/{task.pk}/take")
    assert lost.status_code == 409 and lost.json()["detail"] == "该任务已被其他志愿者接单。"
    done = first.post(f"{API}/tasks/{task.pk}/complete", {"hours": "1"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "done"
    own = first.post(f"{API}/tasks/{task.pk}/confirm")
    assert own.status_code == 422 and own.json()["detail"][0]["field"] == "task"
    family = signed_in(User.objects.get(pk=world.volunteers.family))
    confirmed = family.post(f"{API}/tasks/{task.pk}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_as"] == "family"


def test_the_api_refuses_a_redemption_beyond_the_balance(world, user_of):
    staff = signed_in(user_of("community_staff"))
    volunteer = Volunteer.objects.get(pk=world.volunteers.volunteer_a)
    answer = staff.post(
        f"{API}/volunteers/{volunteer.pk}/redemptions",
        {"hours": "5", "beneficiary_id": volunteer.person_id, "reason": "理发"},
        content_type="application/json",
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "hours"
    answer = staff.post(
        f"{API}/volunteers/{volunteer.pk}/redemptions",
        {"hours": "1.5", "beneficiary_id": volunteer.person_id, "reason": "理发"},
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["balance"] == "0.5"


def test_the_api_figures_and_lists_are_scoped(world, user_of):
    staff_b = signed_in(user_of("community_staff_b"))
    figures = staff_b.get(f"{API}/figures").json()
    assert figures["total"]["area_code"] == world.community_b.code and figures["total"]["hours_banked"] == 1.5
    names = {row["name"] for row in staff_b.get(f"{API}/volunteers").json()["items"]}
    assert names == {"陈*", "吴*"}
    tasks = {row["id"] for row in staff_b.get(f"{API}/tasks").json()["items"]}
    assert world.volunteers.open_b in tasks and world.volunteers.open_a not in tasks


def test_the_api_posts_a_task_with_a_local_time_without_offset(world, user_of):
    staff = signed_in(user_of("community_staff"))
    answer = staff.post(
        f"{API}/tasks",
        {
            "elder_id": world.volunteers.elder_a,
            "service": "shopping",
            "starts_at": "2030-01-02T09:30:00",
            "duration_minutes": 30,
        },
        content_type="application/json",
    )
    assert answer.status_code == 201
    task = CareTask.objects.get(pk=answer.json()["id"])
    assert timezone.localtime(task.starts_at).hour == 9
    young = Person.objects.get(name="王丽")
    answer = staff.post(
        f"{API}/tasks",
        {"elder_id": young.pk, "service": "nothing", "starts_at": "2030-01-02T09:30:00+08:00", "duration_minutes": 30},
        content_type="application/json",
    )
    assert answer.status_code == 422 and {d["field"] for d in answer.json()["detail"]} == {"elder", "service_type"}


def test_the_family_pays_a_task_with_their_volunteers_hours_from_the_portal(world, user_of):
    family_account = User.objects.get(pk=world.volunteers.family)
    daughter = Person.objects.get(name="王丽")
    hers = services.volunteer_register(
        actor=family_account, person_id=daughter.pk, service_type_codes=["other"], availability="周末", consent=True
    )
    services.volunteer_decide(actor=user_of("community_staff"), volunteer_id=hers.pk, confirm=True)
    LedgerEntry.objects.create(
        volunteer=hers,
        kind="service",
        hours=Decimal("3"),
        reason="历史服务时长",
        recorded_by=user_of("community_staff"),
        at=timezone.now(),
        area=hers.area,
    )
    task = CareTask.objects.get(pk=world.volunteers.done_a)
    services.task_confirm(actor=user_of("community_staff"), task_id=task.pk)
    client = signed_in(family_account)
    page = client.get(f"{WEB}/portal/tasks/{task.pk}/").content.decode()
    assert "button" in page and 'class="pay"' in page
    assert client.post(f"{WEB}/portal/tasks/{task.pk}/pay/").status_code == 302
    assert services.balance_of(hers) == Decimal("2")
    assert 'class="pay"' not in client.get(f"{WEB}/portal/tasks/{task.pk}/").content.decode()
    # The volunteer who served cannot see a pay button for it (not their family).
    other = signed_in(User.objects.get(pk=world.volunteers.accounts["a2"]))
    assert 'class="pay"' not in other.get(f"{WEB}/portal/tasks/{task.pk}/").content.decode()
