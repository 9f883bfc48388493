import pytest

from conftest import admit
from emerald.audit.verify import verify_chain
from emerald.core.errors import Conflict, Forbidden
from emerald.housing.selectors import roll
from emerald.housing.services import non_association_create, placement_move


@pytest.mark.django_db
def test_move_refused_by_keep_apart_then_overridden(users, place, person_factory):
    admin = users["administrator"]
    a, b = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("B-1-01"))
    order = non_association_create(actor=admin, person_a=a, person_b=b, scope="cell", reason="gang_rivalry")
    assert order.currently_violated_where == ""
    with pytest.raises(Conflict) as exc:
        placement_move(actor=users["officer"], person=b, cell_id=place.cell("EC-1-01").pk, reason="bed space")
    assert exc.value.code == "keep_apart"
    assert exc.value.extra["conflicts"][0]["other"]["inmate_number"] == a.inmate_number
    with pytest.raises(Forbidden):
        placement_move(actor=users["officer"], person=b, cell_id=place.cell("EC-1-01").pk, reason="x",
                       override_reason="because")
    p = placement_move(actor=users["unit_manager"], person=b, cell_id=place.cell("EC-1-01").pk, reason="x",
                       override_reason="separated by staff watch")
    assert p.override_reason
    r = roll(actor=admin)
    assert r["total"] == 2
    assert verify_chain().ok
