import sqlalchemy as sa

from app.applications.models import STATUSES, Application
from app.auth.models import StaffUser
from app.documents.models import Document
from app.extensions import db


def test_users_create_cli(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "create", "lawyer7", "--role", "duty_lawyer", "--password", "long-enough-pw",
                            "--full-name", "七号律师", "--staff-no", "D007"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["users", "create", "lawyer7", "--role", "duty_lawyer", "--password", "long-enough-pw"])
    assert r.exit_code != 0 and "已存在" in r.output
    r = runner.invoke(args=["users", "create", "short", "--role", "manager", "--password", "short"])
    assert r.exit_code != 0 and "10" in r.output
    r = runner.invoke(args=["users", "create", "x", "--role", "janitor", "--password", "long-enough-pw"])
    assert r.exit_code != 0
    with app.app_context():
        u = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "lawyer7"))
        assert u.role == "duty_lawyer" and u.password_hash.startswith("$argon2")


def test_demo_load_covers_every_state_with_photos(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["demo", "load"])
    assert r.exit_code == 0, r.output
    assert "manager1" in r.output and "密码" in r.output
    with app.app_context():
        states = set(db.session.scalars(sa.select(Application.status)).all())
        assert states == set(STATUSES)
        # the city centre's staff (the main demo accounts) see every state; each district centre has its own
        from app.centres.models import Centre
        by_centre = dict(db.session.execute(sa.select(Centre.code, sa.func.count(Application.id)).join(
            Application, Application.centre_id == Centre.id).group_by(Centre.code)).all())
        assert by_centre == {"wuhan": len(STATUSES), "jiangan": 4, "hongshan": 4}
        city_states = set(db.session.scalars(sa.select(Application.status).join(Centre, Centre.id == Application.centre_id)
                                             .where(Centre.code == "wuhan")))
        assert city_states == set(STATUSES)
        roles = set(db.session.scalars(sa.select(StaffUser.role)).all())
        assert roles == {"duty_lawyer", "aid_lawyer", "supervisor", "manager", "admin", "bureau_reviewer",
                         "city_manager"}  # one account per role of app/common/permissions.py
        # the procedure: a refused application with its letter and an open objection to the bureau
        from app.procedure.models import Letter, Objection, read_state
        refused = db.session.scalar(sa.select(Application).where(Application.status == "rejected"))
        kinds = set(db.session.scalars(sa.select(Letter.kind).where(Letter.application_id == refused.id)))
        assert "refusal" in kinds and read_state(refused).decision_grounds[0]["article"] == "第三十四条"
        assert db.session.scalar(sa.select(Objection.status).where(Objection.application_id == refused.id)) == "open"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) >= 2 * len(STATUSES)
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "已存在" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == len(STATUSES) + 8
