import datetime as dt
import io

import sqlalchemy as sa

from app.alerts.models import Alert
from app.consultations.models import Consultation, RepeatCallerEpisode
from app.extensions import db
from app.callbacks.models import CallbackTask
from tests.support import log_call, recent


def _fmt(t: dt.datetime, slash=False) -> str:
    return t.strftime("%Y/%m/%d %H:%M" if slash else "%Y-%m-%d %H:%M:%S")


def cdr_file(staff, *, encoding="utf-8-sig") -> bytes:
    base = recent(2, hour=9)
    a = staff.role("duty_lawyer")["staff_no"]
    lines = [
        # Chinese headers in a different order, an unknown column
        "结束时间,呼叫ID,主叫号码,备注,振铃时间,应答时间,坐席工号,录音文件",
        f"{_fmt(base + dt.timedelta(minutes=5))},C001,+8613907141234,无,{_fmt(base)},{_fmt(base + dt.timedelta(seconds=2))},{a},rec/C001.wav",
        f"{_fmt(base + dt.timedelta(minutes=65), True)},C002,013812345678,,{_fmt(base + dt.timedelta(hours=1), True)},,,",  # missed, slash format
        f"{_fmt(base)},C003,02785551234,,{_fmt(base)},{_fmt(base)},{a},",
        f"{_fmt(base)},C004,123,,{_fmt(base)},,,",  # bad number  -> line 5
        f"{_fmt(base)},C005,13907141234,,2024-13-45 99:00:00,,,",  # bad time -> line 6
        f"{_fmt(base)},C006,13907141234,,{_fmt(base)},,X999,",  # unknown agent -> line 7
        f"{_fmt(base - dt.timedelta(hours=1))},C007,13907141234,,{_fmt(base)},,,",  # ends before ring -> line 8
        f",,13907141234,,{_fmt(base)},,,",  # no call id -> line 9
        f"{_fmt(base + dt.timedelta(minutes=5))},C001,13907141234,,{_fmt(base)},,,",  # duplicate in file
    ]
    return "\r\n".join(lines).encode(encoding)


def test_cli_import_bad_rows_reported_and_idempotent(app, staff, tmp_path):
    path = tmp_path / "cdr.csv"
    path.write_bytes(cdr_file(staff))
    runner = app.test_cli_runner()
    r = runner.invoke(args=["calls", "import", str(path)])
    assert r.exit_code == 0, r.output
    out = r.output  # stdout and stderr (click >= 8.2)
    assert "导入 3" in out and "错误 5" in out
    for line, word in ((5, "主叫号码无效"), (6, "振铃时间格式无效"), (7, "坐席工号不存在"), (8, "结束时间早于"), (9, "呼叫ID为空")):
        assert f"第 {line} 行：{word}" in out, out
    with app.app_context():
        rows = {c.call_id: c for c in db.session.scalars(sa.select(Consultation))}
        assert set(rows) == {"C001", "C002", "C003"}
        assert rows["C001"].caller_masked == "139****1234" and rows["C001"].duty_lawyer_id == staff.role("duty_lawyer")["id"]
        assert rows["C001"].wait_seconds == 2 and rows["C001"].duration_seconds == 298
        assert rows["C001"].recording_key == "rec/C001.wav"
        assert rows["C002"].answered_at is None and rows["C002"].caller_masked == "138****5678"
        assert rows["C003"].region == "湖北省武汉市" and rows["C003"].caller_kind == "landline"
    r = runner.invoke(args=["calls", "import", str(path)])
    assert r.exit_code == 0 and "导入 0" in r.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 3


def test_upload_gbk_english_headers_progress_and_roles(client, app, staff):
    base = recent(1, hour=15)
    text = ("agent,caller,ring_at,answered_at,ended_at,call_id,extra\n"
            f"{staff.role('duty_lawyer')['staff_no']},13907141234,{_fmt(base, True)},{_fmt(base, True)},{_fmt(base + dt.timedelta(minutes=3), True)},E1,武汉\n"
            f",13807141234,{_fmt(base)},,{_fmt(base)},E2,汉口\n")
    raw = text.encode("gbk")
    data = {"file": (io.BytesIO(raw), "话单.csv")}
    r = client.post("/api/v1/consultations/imports", data=data, headers=staff.role("duty_lawyer")["headers"],
                    content_type="multipart/form-data")
    assert r.status_code == 403
    r = client.post("/api/v1/consultations/imports", data={"file": (io.BytesIO(raw), "话单.csv")},
                    headers=staff.role("manager")["headers"], content_type="multipart/form-data")
    assert r.status_code == 202, r.get_json()
    body = r.get_json()
    assert body["status"] == "done" and body["inserted"] == 2 and body["encoding"] == "gb18030" and body["progress"] == 1.0
    got = client.get(f"/api/v1/consultations/imports/{body['id']}", headers=staff.role("manager")["headers"]).get_json()
    assert got["errors"] == [] and got["total_rows"] == 2
    # a file without the required columns is refused as a whole
    r = client.post("/api/v1/consultations/imports", data={"file": (io.BytesIO(b"foo,bar\n1,2\n"), "x.csv")},
                    headers=staff.role("manager")["headers"], content_type="multipart/form-data")
    assert r.get_json()["status"] == "failed" and "缺少必需的列" in r.get_json()["message"]


def test_repeat_caller_at_two_and_three_calls_once_per_episode(client, app, staff):
    h = staff.role("duty_lawyer")["headers"]
    log_call(client, h, caller="13907140001", ring=recent(5))
    log_call(client, h, caller="+86 139 0714 0001", ring=recent(3))
    with app.app_context():  # 2 calls: nothing yet
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RepeatCallerEpisode)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask)) == 0
    third = log_call(client, h, caller="013907140001", ring=recent(0.1))
    with app.app_context():
        ep = db.session.scalars(sa.select(RepeatCallerEpisode)).one()
        assert ep.call_count == 3 and ep.consultation_id == third["id"]
        task = db.session.get(CallbackTask, ep.callback_task_id)
        assert task.reason == "repeat_caller" and task.status == "open" and "139****0001" in task.note
        alert = db.session.scalars(sa.select(Alert).where(Alert.kind == "repeat_caller")).one()
        assert alert.status == "open" and alert.details["episode_id"] == ep.id
    log_call(client, h, caller="13907140001", ring=recent(0.05))  # 4th call: same episode
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RepeatCallerEpisode)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1
        assert db.session.scalars(sa.select(RepeatCallerEpisode)).one().call_count == 4
    # calls spread wider than the window do not count
    for days in (20, 12, 4):
        log_call(client, h, caller="13907149999", ring=recent(days))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RepeatCallerEpisode)) == 1


def test_repeat_caller_threshold_configurable_and_by_citizen(make_app, staff):
    from app.auth.models import Citizen
    app2 = make_app(REPEAT_CALLER_THRESHOLD=2, REPEAT_CALLER_WINDOW_DAYS=3)
    client = app2.test_client()
    with app2.app_context():
        c = Citizen(openid="o-ill", phone="13900000000")
        db.session.add(c)
        db.session.commit()
        cid = c.id
    h = staff.role("duty_lawyer")["headers"]
    # the same citizen from two different numbers: the citizen link counts too
    log_call(client, h, caller="13907143333", ring=recent(1), citizen_id=cid)
    log_call(client, h, caller="02766668888", ring=recent(0.1), citizen_id=cid)
    with app2.app_context():
        ep = db.session.scalars(sa.select(RepeatCallerEpisode)).one()
        assert ep.citizen_id == cid and ep.call_count == 2


def test_repeat_caller_from_import(client, app, staff, tmp_path):
    rows = ["呼叫ID,主叫号码,振铃时间,应答时间,结束时间,坐席工号"]
    for i in range(3):
        t = recent(2 - i * 0.5)
        rows.append(f"R{i},13907142222,{_fmt(t)},,{_fmt(t)},")
    path = tmp_path / "r.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    r = app.test_cli_runner().invoke(args=["calls", "import", str(path)])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RepeatCallerEpisode)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask).where(
            CallbackTask.reason == "repeat_caller")) == 1
