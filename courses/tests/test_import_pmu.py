"""import_pmu on the real PMU turfinfo JSON: programme, participants, rapports, and the bad cases."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.importers.pmu_json import build_dividends, dividend_amount, load_json
from courses.models import Dividend, Horse, Meeting, Race, RaceStatus, Runner, RunnerStatus, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def pmu_dir(data_dir):
    return data_dir / "pmu_api_json"


def run(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_pmu", str(path), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {
        "races": Race.objects.count(),
        "runners": Runner.objects.count(),
        "rapports": Dividend.objects.count(),
        "horses": Horse.objects.count(),
        "meetings": Meeting.objects.count(),
    }


def race(code: str, date: str = "2025-11-05") -> Race:
    meeting, number = code[1:].split("C")
    return Race.objects.get(meeting__date=date, meeting__number=int(meeting), number=int(number))


# -- the real files ----------------------------------------------------------------------------


def test_a_programme_gives_every_race_of_the_day_even_without_runners(pmu_dir):
    out, err = run(pmu_dir / "programme_05112025.json")

    assert "races created=63 updated=0 unchanged=0 rejected=0" in out
    assert err == ""
    assert counts() == {"races": 63, "runners": 0, "rapports": 0, "horses": 0, "meetings": 9}
    per_meeting = Counter(Race.objects.values_list("meeting__number", flat=True))
    assert per_meeting == {1: 8, 2: 5, 3: 7, 4: 8, 5: 4, 6: 8, 7: 9, 8: 10, 9: 4}
    assert Counter(Race.objects.values_list("discipline", flat=True)) == {
        "plat": 38,
        "trot_attele": 16,
        "haies": 4,
        "steeple": 3,
        "trot_monte": 2,
    }
    assert list(Race.objects.filter(is_quinte=True).values_list("source_id", "name")) == [
        ("2025-11-05/R1/C2", "GRAND NATIONAL DU TROT")
    ]
    assert set(Meeting.objects.values_list("racecourse__country", flat=True)) == {
        "FRA",
        "BEL",
        "GBR",
        "CHL",
        "HKG",
        "SWE",
        "ARG",
    }


def test_a_programme_race_carries_the_course_fields_in_our_units(pmu_dir):
    run(pmu_dir / "programme_05112025.json")

    r1c1 = race("R1C1")
    assert r1c1.source == Source.PMU and r1c1.source_id == "2025-11-05/R1/C1"
    assert (r1c1.meeting.racecourse.code, r1c1.meeting.racecourse.name) == ("PET", "HIPPODROME DE NANTES")
    assert (r1c1.name, r1c1.discipline, r1c1.distance) == ("PRIX ONIRIS", "trot_monte", 3000)
    assert (r1c1.prize, r1c1.currency, r1c1.status, r1c1.declared_runners) == (Decimal("19000"), "EUR", "finished", 14)
    # heureDepart 1762344720000 ms = 12:12 UTC = 13:12 in Nantes (timezoneOffset +1 h)
    assert r1c1.start_time == dt.datetime(2025, 11, 5, 12, 12, tzinfo=dt.UTC)
    assert race("R3C1").discipline in {"haies", "steeple"}  # Auteuil is an obstacle meeting
    going = set(Race.objects.exclude(going="").values_list("going", flat=True))
    assert {"PSF STANDARD", "Collant", "Bon léger"} <= going


def test_a_programme_race_keeps_the_pools_sold_on_it_as_our_bet_types(pmu_dir):
    run(pmu_dir / "programme_05112025.json")

    # R1C1 sells (PMU typePari) the simples, couplés, 2sur4, trio and multi; the E_* twins are the same pools.
    assert race("R1C1").extra["bet_types"] == [
        "simple_gagnant",
        "simple_place",
        "couple_gagnant",
        "couple_place",
        "deux_sur_quatre",
        "trio",
        "multi",
    ]
    # The day's quinté+ race sells the quinté+ (ordre, désordre, both bonuses), the tiercé and the quarté+.
    quinte = Race.objects.get(is_quinte=True, meeting__date="2025-11-05")
    assert {"quinte_ordre", "quinte_desordre", "quinte_bonus4", "quinte_bonus3"} <= set(quinte.extra["bet_types"])


def test_a_folder_matches_participants_and_rapports_to_their_races(pmu_dir):
    out, err = run(pmu_dir)

    assert "races created=65 updated=0 unchanged=0 rejected=2" in out
    assert "runners created=17 updated=0 deleted=0; horses created=17; rapports written=22" in out
    assert counts() == {"races": 65, "runners": 17, "rapports": 22, "horses": 17, "meetings": 10}
    # The turfia quinté and couplé samples are of a race absent from every programme here.
    assert "rejected turfia_fixtures/pmu_rapports_quinte_echantillon.json: race cannot be identified" in err
    assert "rejected turfia_fixtures/pmu_rapports_couple_2sur4_echantillon.json: race cannot be identified" in err
    assert "ignored performances_R1_C1.json" in err  # past races of the runners, on purpose


def test_r1c1_runners_have_their_result_weights_odds_and_earnings(pmu_dir):
    run(pmu_dir)

    runners = {r.saddle_number: r for r in race("R1C1").runners.select_related("horse", "jockey", "trainer")}
    assert len(runners) == 14
    assert sorted(n for n, r in runners.items() if r.status == RunnerStatus.DISQUALIFIED) == [1, 2, 12]
    order = [[7], [3], [9], [13], [5], [14], [6], [8], [4], [11], [10]]  # the course's ordreArrivee
    assert {n: r.position for n, r in runners.items() if r.position} == {
        group[0]: place for place, group in enumerate(order, start=1)
    }
    assert all(runners[n].position is None for n in (1, 2, 12))
    kergolio = runners[3]
    assert (kergolio.horse.source_id, kergolio.horse.sex, kergolio.horse.birth_year) == (
        "KERGOLIO-NADIA DE BEL AIR-BRETIGNY",
        "gelding",
        2020,
    )
    assert (kergolio.horse.sire, kergolio.horse.dam) == ("BRETIGNY", "NADIA DE BEL AIR")
    assert (kergolio.jockey.name, kergolio.trainer.name) == ("Mme L. THORAVAL", "LOIC GROUSSARD")
    assert (kergolio.weight_kg, kergolio.handicap_distance, kergolio.age) == (Decimal("59.0"), 3000, 5)
    assert runners[13].handicap_distance == 3025  # 25 m behind
    assert kergolio.career_earnings == Decimal("23245.00")  # 2 324 500 cents
    assert (kergolio.morning_odds, kergolio.final_odds) == (Decimal("16.00"), Decimal("9.20"))
    assert (kergolio.finish_time, kergolio.reduction_km) == (Decimal("228.93"), Decimal("76.30"))
    assert kergolio.musique == "1a9mDa4m8a9a0aDa8a0a"
    assert kergolio.shoeing == "DEFERRE_ANTERIEURS_POSTERIEURS"
    assert runners[7].final_odds == Decimal("3.10") and runners[7].placed is True
    assert runners[13].placed is False  # 4th: the simple placé paid the first three only


def test_r1c1_rapports_are_per_one_euro_with_every_bet_type(pmu_dir):
    run(pmu_dir)

    paid = {(d.bet_type, d.combination): d.amount for d in race("R1C1").dividends.all()}
    assert paid[("simple_gagnant", "7")] == Decimal("3.10")
    assert paid[("simple_place", "3")] == Decimal("2.90")
    assert paid[("couple_gagnant", "7-3")] == Decimal("13.20")
    assert paid[("trio", "7-3-9")] == Decimal("36.10")
    # 2sur4 and multi are quoted per 3 € base stake: 1 500 c / 300 c = 5.00 € per 1 €.
    assert paid[("deux_sur_quatre", "9-13")] == Decimal("5.00")
    assert paid[("multi", "7-3-9-13 (Multi en 4)")] == Decimal("462.00")
    assert paid[("multi", "7-3-9-13 (Multi en 7)")] == Decimal("13.20")
    assert Counter(bet for bet, _ in paid) == {
        "simple_gagnant": 1,
        "simple_place": 3,
        "couple_gagnant": 1,
        "couple_place": 3,
        "deux_sur_quatre": 6,
        "trio": 1,
        "multi": 4,
    }


def test_the_turfia_flat_race_gets_its_draws_weights_and_rapports(pmu_dir):
    run(pmu_dir / "turfia_fixtures")

    chantilly = race("R1C1", date="2026-07-07")
    assert (chantilly.meeting.racecourse.code, chantilly.discipline, chantilly.distance) == ("CHA", "plat", 1200)
    assert (chantilly.going, chantilly.surface, chantilly.declared_runners) == ("Bon", "turf", 6)
    assert race("R1C2", date="2026-07-07").runners.count() == 0  # no participants file for it
    runners = {r.saddle_number: r for r in chantilly.runners.all()}
    assert sorted(runners) == [1, 2, 3]  # the sample keeps 3 of the 6 runners
    master_man = runners[1]
    assert (master_man.draw, master_man.position, master_man.handicap_distance) == (6, 2, None)
    # Weight carried (poidsConditionMonte 575) first; the allotted 570 stays in extra.
    assert master_man.weight_kg == Decimal("57.5")
    assert master_man.extra["handicap_weight_kg"] == "57.0"
    assert runners[2].position == 5  # beyond the programme's three-place ordreArrivee
    assert (master_man.morning_odds, master_man.final_odds) == (Decimal("5.20"), Decimal("4.00"))
    paid = {(d.bet_type, d.combination): d.amount for d in chantilly.dividends.all()}
    assert paid == {
        ("simple_gagnant", "4"): Decimal("1.40"),
        ("simple_place", "4"): Decimal("1.05"),
        ("simple_place", "1"): Decimal("1.10"),
    }


def test_a_quinte_rapport_per_base_stake_becomes_a_rapport_per_euro(pmu_dir):
    bets = load_json(pmu_dir / "turfia_fixtures" / "pmu_rapports_quinte_echantillon.json")
    lines = {line["libelle"]: line for line in bets[0]["rapports"]}

    assert dividend_amount(bets[0], lines["Quinté+ Ordre"], "quinté") == Decimal("63175.70")
    assert dividend_amount(bets[0], lines["Bonus 3"], "quinté") == Decimal("4.40")
    kinds = Counter(d.bet_type for d in build_dividends(bets, "quinté"))
    assert kinds == {"quinte_ordre": 1, "quinte_desordre": 1, "quinte_bonus4": 5, "quinte_bonus3": 1}


def test_refund_lines_keep_their_combination(pmu_dir):
    bets = load_json(pmu_dir / "turfia_fixtures" / "pmu_rapports_couple_2sur4_echantillon.json")

    refunds = {(d.bet_type, d.combination): d.amount for d in build_dividends(bets, "couplé") if "NP" in d.combination}
    assert refunds[("couple_gagnant", "5-NP")] == Decimal("0.00")
    assert len(refunds) == 1 + 3 + 4


def test_a_second_import_changes_nothing(pmu_dir):
    run(pmu_dir)
    before = counts()
    positions = list(Runner.objects.order_by("pk").values_list("pk", "position", "final_odds"))

    out, _ = run(pmu_dir)

    assert "races created=0 updated=0 unchanged=65 rejected=2" in out
    assert "runners created=0 updated=0 deleted=0; horses created=0; rapports written=0" in out
    assert counts() == before
    assert list(Runner.objects.order_by("pk").values_list("pk", "position", "final_odds")) == positions


def test_a_programme_alone_reimported_after_a_full_import_keeps_runners_and_rapports(pmu_dir):
    run(pmu_dir)
    before = counts()
    runners = list(Runner.objects.order_by("pk").values())

    out, _ = run(pmu_dir / "programme_05112025.json")

    assert "races created=0 updated=0 unchanged=63 rejected=0" in out
    assert "runners created=0 updated=0 deleted=0" in out and "rapports written=0" in out
    assert counts() == before
    assert list(Runner.objects.order_by("pk").values()) == runners


def test_a_finished_race_with_its_rapports_is_official(pmu_dir):
    run(pmu_dir)

    assert race("R1C1").results_official  # arrival and rapports définitifs
    assert not race("R1C2").results_official  # finished, but no rapports file here
    assert race("R1C2").status == RaceStatus.FINISHED
    run(pmu_dir / "programme_05112025.json")
    assert race("R1C1").results_official  # a programme alone says nothing of the rapports


# -- hand-made files ---------------------------------------------------------------------------


def course(number, *, arrival=(), **fields) -> dict:
    data = {
        "numReunion": 1,
        "numOrdre": number,
        "libelle": f"PRIX {number}",
        "discipline": "PLAT",
        "specialite": "PLAT",
        "distance": 1600,
        "montantPrix": 10000,
        "heureDepart": 1762344720000,
        "timezoneOffset": 3600000,
        "nombreDeclaresPartants": 4,
        "arriveeDefinitive": bool(arrival),
        "ordreArrivee": [list(group) for group in arrival],
        "paris": [],
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def programme(*courses) -> dict:
    reunion = {
        "numOfficiel": 1,
        "dateReunion": 1762297200000,
        "timezoneOffset": 3600000,
        "hippodrome": {"code": "TST", "libelleLong": "HIPPODROME DE TEST"},
        "pays": {"code": "FRA"},
        "courses": list(courses),
    }
    return {"programme": {"date": 1762297200000, "timezoneOffset": 3600000, "reunions": [reunion]}}


def participants(*numbers, places=None) -> dict:
    places = places or {}
    runners = [
        {
            "numPmu": n,
            "idCheval": f"HORSE {n}-DAM-SIRE",
            "nom": f"HORSE {n}",
            "age": 3,
            "sexe": "MALES",
            "statut": "PARTANT",
            "placeCorde": n,
            "handicapPoids": 560,
            "ordreArrivee": places.get(n),
        }
        for n in numbers
    ]
    return {"participants": [{k: v for k, v in r.items() if v is not None} for r in runners]}


def write(path, data) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_dead_heat_gives_both_runners_the_same_position(tmp_path):
    write(tmp_path / "programme_05112025.json", programme(course(1, arrival=[[3], [5, 7], [1]])))
    write(tmp_path / "participants_R1_C1.json", participants(1, 3, 5, 7, places={3: 1, 5: 2, 7: 2, 1: 4}))

    run(tmp_path)

    runners = {r.saddle_number: r for r in Runner.objects.all()}
    assert {n: (r.position, r.dead_heat) for n, r in runners.items()} == {
        3: (1, False),
        5: (2, True),
        7: (2, True),
        1: (4, False),
    }


def test_a_participants_file_without_race_in_its_name_is_matched_by_its_finishing_order(tmp_path):
    write(tmp_path / "day.json", programme(course(1, arrival=[[2], [1]]), course(2, arrival=[[1], [2]])))
    write(tmp_path / "runners.json", participants(1, 2, places={1: 1, 2: 2}))

    out, err = run(tmp_path)

    assert "races created=2" in out and err == ""
    assert set(Runner.objects.values_list("race__number", flat=True)) == {2}


def test_a_race_missing_its_distance_or_number_is_rejected_and_the_others_import(tmp_path):
    write(tmp_path / "programme.json", programme(course(1, distance=None), course(None), course(3)))

    out, err = run(tmp_path / "programme.json")

    assert "races created=1 updated=0 unchanged=0 rejected=2" in out
    assert "rejected programme.json R1C1: distance is missing" in err
    assert "rejected programme.json R1 course #2 (no numOrdre): numOrdre is missing" in err
    assert list(Race.objects.values_list("number", flat=True)) == [3]


def test_a_file_that_is_not_json_stops_the_command(tmp_path, pmu_dir):
    broken = tmp_path / "programme_05112025.json"
    broken.write_bytes((pmu_dir / "programme_05112025.json").read_bytes()[:5000])

    with pytest.raises(CommandError, match="not valid JSON"):
        run(broken)
    assert Race.objects.count() == 0


@pytest.mark.parametrize(
    ("statut", "categorie", "status"),
    [
        ("PROGRAMMEE", "A_PARTIR", RaceStatus.SCHEDULED),
        ("DEPART_DANS_TROIS_MINUTES", "A_PARTIR", RaceStatus.SCHEDULED),  # not off yet
        ("ROUGE_AUX_PARTANTS", "A_PARTIR", RaceStatus.SCHEDULED),
        ("DEPART_CONFIRME", "EN_COURS", RaceStatus.RUNNING),
        ("COURSE_LANCEE", "", RaceStatus.RUNNING),
        ("FIN_COURSE", "EN_COURS", RaceStatus.RUNNING),  # run, no arrival published yet
        ("ARRIVEE_PROVISOIRE", "ARRIVEE", RaceStatus.RUNNING),
        ("COURSE_ANNULEE", "ANNULEE", RaceStatus.CANCELLED),
    ],
)
def test_the_race_status_follows_pmus_statut(tmp_path, statut, categorie, status):
    write(tmp_path / "programme.json", programme(course(1, statut=statut, categorieStatut=categorie)))

    run(tmp_path / "programme.json")

    assert Race.objects.get().status == status


def test_a_race_with_its_arrival_is_finished_whatever_its_statut(tmp_path):
    write(tmp_path / "programme.json", programme(course(1, arrival=[[2], [1]], statut="FIN_COURSE")))

    run(tmp_path / "programme.json")

    assert Race.objects.get().status == RaceStatus.FINISHED


def test_a_participants_file_alone_is_not_a_programme(pmu_dir):
    with pytest.raises(CommandError, match="not a PMU programme"):
        run(pmu_dir / "participants_R1_C1.json")
