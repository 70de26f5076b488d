from tests.analysis import factories as consult
from tests.conftest import login
from coalition.extensions import db

def test_smoke(app, client, people, consultation):
    t = consult.theme(consultation, "Educación")
    rec = consult.recommendation()
    c = consult.contribution(consultation, comment=(rec, "Buen punto"))
    db.session.commit()
    login(client, people["lead"])
    for path in [f"/consultations/{consultation.slug}/themes", f"/consultations/{consultation.slug}/coding",
                 f"/consultations/{consultation.slug}/contributions?q=educacion",
                 f"/consultations/{consultation.slug}/contributions/{c.id}",
                 f"/consultations/{consultation.slug}/figures"]:
        r = client.get(path)
        print(path, r.status_code)
        assert r.status_code == 200, r.get_data(as_text=True)[-3000:]
    body = client.get(f"/consultations/{consultation.slug}/contributions?q=educacion").get_data(as_text=True)
    assert f"#{c.id}" in body
