"""Generate the sample ward activity figures (活動状況): casebook/sample/ward_activity.csv.

Run once from the repository root and commit the CSV it writes (the numbers are fictional):

    /tmp/venv/bin/python casebook/sample/make_ward_activity.py [--seed 20240401] [--out PATH]

The output is the long table the import reads: UTF-8 with a BOM (Excel opens it), header
`区,年度,テーマ,指標,値,単位`, one row per ward × fiscal year (令和5–7年度) × figure of
casebook/vocab/figures.yaml, in official ward order. The same seed always gives the same file.

How a value is made: a base rate per 100,000 residents, scaled by the ward's size (population)
and, for figures about older people, by its ageing; times a ward-character factor (生野区 more
こども食堂, 西成区 more 相談支援, bay wards more 防災訓練, business wards more 企業協働); times
a yearly trend (ふれあい喫茶 visitors recovering after COVID, 見守り協力員 shrinking as helpers
age, こども食堂 spreading); times seeded noise that is fixed per ward and figure plus a little
per year, so each ward keeps its own profile across years. 事例 作成件数 in 2024 adds up to 72,
the city-wide count the council reported that year (DOMAIN.md).

The ward table lives here, not in a YAML beside it: every .yaml in this folder is imported as
sample data. Populations and ageing rates are rounded approximations, used only for plausibility.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from pathlib import Path

from casebook import vocab
from casebook.model import WardActivity

HERE = Path(__file__).resolve().parent
OUT = HERE / "ward_activity.csv"
HEADER = ["区", "年度", "テーマ", "指標", "値", "単位"]
YEARS = (2023, 2024, 2025)
SEED = 20240401
CASES_2024_TOTAL = 72

# ward: (population in thousands, ageing rate in %)
WARDS: dict[str, tuple[int, int]] = {
    "北区": (140, 19), "都島区": (108, 25), "福島区": (80, 20), "此花区": (66, 28),
    "中央区": (105, 17), "西区": (105, 16), "港区": (80, 29), "大正区": (62, 32),
    "天王寺区": (84, 21), "浪速区": (77, 20), "西淀川区": (95, 27), "淀川区": (183, 23),
    "東淀川区": (176, 25), "東成区": (85, 26), "生野区": (126, 33), "旭区": (89, 31),
    "城東区": (168, 25), "鶴見区": (111, 23), "阿倍野区": (112, 26), "住之江区": (119, 29),
    "住吉区": (153, 27), "東住吉区": (126, 29), "平野区": (190, 30), "西成区": (104, 40),
}
MEAN_AGEING = 26.0

# figure id: (base per 100k residents, ageing exponent, yearly growth, {year: extra multiplier})
# An ageing exponent of 0 means the figure does not follow the share of older residents.
FIGURES: dict[str, tuple[float, float, float, dict[int, float]]] = {
    "mimamori_visits":        (5200, 1.3, 0.03, {}),
    "mimamori_volunteers":    (260, 1.0, -0.025, {}),                       # helpers ageing out
    "cafe_sites":             (28, 1.0, 0.0, {2023: 0.94, 2024: 0.98}),     # sites reopening
    "cafe_visitors":          (0, 0.0, 0.0, {2023: 0.80, 2024: 0.92}),      # per site, below
    "meal_meals":             (3800, 1.0, 0.01, {2023: 0.95}),
    "salon_sites":            (11, -0.6, 0.0, {}),
    "kodomo_sites":           (7, 0.0, 0.09, {}),
    "support_consults":       (850, 0.5, 0.06, {}),
    "isolated_households":    (380, 1.0, 0.05, {}),
    "dementia_registrations": (55, 1.5, 0.09, {}),                          # a register that grows
    "disaster_drills":        (18, 0.0, 0.04, {}),
    "volunteers_registered":  (900, 0.0, 0.0, {2023: 0.92, 2024: 0.97}),
    "facility_programs":      (9, 0.0, 0.06, {}),
    "helpers_trained":        (38, 0.0, 0.05, {}),
    "partner_companies":      (22, 0.0, 0.07, {}),
    "sessions_held":          (0, 0.0, 0.0, {}),                            # not per resident, below
    "cases_written":          (0, 0.0, 0.0, {}),                            # allocated, below
}
CAFE_VISITS_PER_SITE = 430          # about 24 openings a year × 18 people

# ward character: (ward, figure id) -> multiplier
CHARACTER: dict[tuple[str, str], float] = {
    ("生野区", "kodomo_sites"): 1.7, ("生野区", "salon_sites"): 1.2, ("生野区", "partner_companies"): 1.2,
    ("西成区", "isolated_households"): 1.8, ("西成区", "support_consults"): 1.9,
    ("西成区", "kodomo_sites"): 1.3, ("西成区", "volunteers_registered"): 1.2,
    ("西成区", "salon_sites"): 0.6, ("西成区", "meal_meals"): 1.2,
    ("東淀川区", "volunteers_registered"): 1.25, ("東淀川区", "helpers_trained"): 1.2,  # universities
    ("北区", "partner_companies"): 1.6, ("中央区", "partner_companies"): 1.7, ("西区", "partner_companies"): 1.4,
    ("北区", "mimamori_volunteers"): 0.8, ("中央区", "mimamori_volunteers"): 0.75,
    ("西区", "salon_sites"): 1.3, ("鶴見区", "salon_sites"): 1.3, ("城東区", "salon_sites"): 1.1,
    ("浪速区", "salon_sites"): 0.7,
    ("此花区", "disaster_drills"): 1.4, ("港区", "disaster_drills"): 1.4, ("大正区", "disaster_drills"): 1.4,
    ("住之江区", "disaster_drills"): 1.35, ("西淀川区", "disaster_drills"): 1.3,
    ("旭区", "partner_companies"): 1.25, ("東成区", "partner_companies"): 1.2,        # shopping streets, workshops
    ("平野区", "mimamori_visits"): 1.15, ("平野区", "isolated_households"): 1.2,       # large estates
    ("住吉区", "facility_programs"): 1.2, ("城東区", "facility_programs"): 1.15,
    ("阿倍野区", "dementia_registrations"): 1.15,
}


def _noise(rng: random.Random, spread: float) -> float:
    """A multiplier around 1 (log-normal, so it never goes negative)."""
    return math.exp(rng.gauss(0.0, spread))


def _cases_written(rng: random.Random) -> dict[tuple[str, int], int]:
    """事例 作成件数: 2–4 per ward and year, more in 西成区; 2024 sums to the reported 72."""
    wards = list(WARDS)
    counts: dict[tuple[str, int], int] = {}
    for year, total in ((2023, 60), (2024, CASES_2024_TOTAL), (2025, 78)):
        base = {w: 2 + (1 if w == "西成区" else 0) for w in wards}
        extra = total - sum(base.values())
        weights = [WARDS[w][0] for w in wards]              # larger wards write a case more often
        while extra > 0:
            w = rng.choices(wards, weights)[0]
            if base[w] < 5:
                base[w] += 1
                extra -= 1
        counts.update({(w, year): n for w, n in base.items()})
    return counts


def generate(seed: int = SEED) -> list[WardActivity]:
    """Every ward × year × figure as validated records, in official ward order."""
    rng = random.Random(seed)
    figures = {f["id"]: f for f in vocab.figures()}
    assert set(figures) == set(FIGURES), "figures.yaml and this generator disagree"
    cases = _cases_written(rng)
    # A ward's own profile: fixed per ward and figure, drawn before any per-year noise.
    profile = {(w, f): _noise(rng, 0.12) for w in WARDS for f in FIGURES}
    out: list[WardActivity] = []
    for ward in vocab.ward_names():
        pop, ageing = WARDS[ward]
        size = pop / 100.0
        older = ageing / MEAN_AGEING
        values: dict[str, int] = {}
        for year in YEARS:
            for fid in figures:
                base, exponent, growth, by_year = FIGURES[fid]
                trend = (1.0 + growth) ** (year - YEARS[0]) * by_year.get(year, 1.0)
                factor = CHARACTER.get((ward, fid), 1.0) * profile[(ward, fid)] * _noise(rng, 0.03)
                if fid == "cases_written":
                    value = cases[(ward, year)]
                elif fid == "cafe_visitors":
                    value = round(values["cafe_sites"] * CAFE_VISITS_PER_SITE * trend * factor)
                elif fid == "sessions_held":
                    value = round((4 + 3 * size) * (1.0 + 0.05 * (year - YEARS[0])) * factor)
                else:
                    value = round(base * size * older ** exponent * trend * factor)
                values[fid] = max(1, value)
                f = figures[fid]
                out.append(WardActivity(ward=ward, fiscal_year=year, theme=f["theme"],
                                        figure=f["name"], value=values[fid], unit=f["unit"]))
    return out


def write_csv(records: list[WardActivity], path: Path) -> None:
    """UTF-8 with a BOM and CRLF line ends, the way Excel writes and reads CSV."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADER)
        for r in records:
            writer.writerow([r.ward, vocab.era_name(r.fiscal_year), r.theme, r.figure, int(r.value), r.unit])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    records = generate(args.seed)
    write_csv(records, args.out)
    print(f"{len(records)} rows -> {args.out}")


if __name__ == "__main__":
    main()
