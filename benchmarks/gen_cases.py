"""Generate N fictional cases (and ward figures) from the workbench vocabulary, for benchmarks and tests.

Deterministic for a seed. Text is assembled from short practice-like phrases with placeholders only
(Aさん, B氏, C病院): no names, numbers or street addresses. Every case passes the model's validation
and carries consent and anonymisation flags, so the casebook build accepts it.

    python benchmarks/gen_cases.py 200 --status approved      # into the store of WORKBENCH_* settings
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casebook import vocab  # noqa: E402
from casebook.model import Case, WardActivity  # noqa: E402

SITUATIONS = [
    ("認知症の一人暮らし", "物忘れが進み、ゴミ出しの日が分からなくなっている", "認知症"),
    ("8050問題", "80代の母親と50代のひきこもりの長男の世帯で、母親の入院をきっかけに生活が立ち行かなくなった", "相談支援・見守り相談室"),
    ("ゴミ屋敷", "自宅に物があふれ、近隣住民から悪臭の苦情が出ている", "見守り・訪問"),
    ("子育ての孤立", "転居してきたばかりで、相談できる相手がいないまま育児に追われている", "子育てサロン"),
    ("ヤングケアラー", "中学生の長女が祖母の介護と家事を担い、登校が不規則になっている", "生活支援"),
    ("外国にルーツのある世帯", "日本語での手続きが難しく、必要な制度につながっていない", "生活支援"),
    ("災害時要援護者", "足が不自由で、避難の手助けを頼める人がいない", "防災・災害ボランティア"),
    ("サロンの担い手の高齢化", "ふれあい喫茶の運営者が高齢になり、続けるか迷っている", "居場所づくり・ふれあい喫茶"),
    ("こども食堂の立ち上げ", "地域の有志がこども食堂を始めたいが、場所と担い手が足りない", "こども食堂"),
    ("企業との協働", "商店街の店と協力して見守りの仕組みをつくりたい", "参画と協働"),
    ("食事サービスの利用中断", "配食のボランティアが減り、食事サービスを休止する地区が出ている", "ふれあい型食事サービス"),
    ("施設の地域貢献", "社会福祉法人が空き部屋を地域の居場所として開きたいと申し出た", "社会福祉施設・法人の地域貢献"),
    ("ボランティアの定着", "登録しても活動につながらないボランティアが多い", "ボランティア・市民活動"),
    ("担い手づくり", "見守り協力員の養成講座を開いたが、修了後の活動先がない", "担い手づくり"),
]
REFERRALS = ["民生委員", "地域包括支援センター", "区役所", "近隣住民", "本人", "ケアマネジャー", "学校"]
HOUSEHOLD = ["長女", "長男", "夫", "妻", "次男", "孫", "母"]
FORMAL = ["地域包括支援センター", "区役所", "Bデイサービス", "C病院", "ケアマネジャー", "D保育所", "見守り相談室"]
INFORMAL = ["民生委員", "近隣住民", "ふれあい喫茶", "ボランティア", "地域社協", "E商店街", "町会"]
AGES = ["30代", "40代", "50代", "60代", "70代", "80代", "90代"]
KEYWORDS = ["見守り活動", "孤立", "居場所", "多機関連携", "地域の支え合い", "意思決定支援", "ストレングス", "資源開発",
            "担い手", "防災", "子育て", "8050問題", "認知症", "ふれあい喫茶"]
ADVICE = [
    "個別支援と地域支援を切り離さず、Aさんへの支援を通じて地域の見守り活動そのものを育てる視点が大切です。",
    "本人のストレングスに着目し、できていることを地域の役割につなげる工夫が見られます。",
    "社会資源が足りないときは、既存の資源の組み合わせ直しと新たな資源の開発の両方を検討しましょう。",
    "本人の意思決定支援を丁寧に記録しておくと、関係機関との合意形成に役立ちます。",
]


def _pick(rng: random.Random, seq, k: int):
    return rng.sample(list(seq), k)


def make_case(i: int, rng: random.Random, *, status: str = "approved", fiscal_year: int | None = None,
              ward: str | None = None) -> Case:
    """One fictional case: the i-th of a collection, its ward and year spread over the vocabulary."""
    wards = vocab.wards()
    w = vocab.parse_ward(ward) if ward else wards[i % len(wards)]
    year = fiscal_year or (2023 + (i // len(wards)) % 3)
    title_kw, situation, theme = SITUATIONS[i % len(SITUATIONS)]
    themes = list(dict.fromkeys([theme] + _pick(rng, vocab.theme_names(), rng.randint(0, 2))))
    nn = i // (len(wards) * 3) + 1
    ecomap_nodes = [{"id": "p", "label": "Aさん", "kind": "person"}]
    ties = []
    for j, name in enumerate(_pick(rng, HOUSEHOLD, rng.randint(1, 2))):
        ecomap_nodes.append({"id": f"h{j}", "label": name, "kind": "household"})
        ties.append({"source": "p", "target": f"h{j}", "strength": rng.choice(["strong", "stressful", "normal"]),
                     "direction": "both"})
    for j, name in enumerate(_pick(rng, FORMAL, rng.randint(2, 3))):
        ecomap_nodes.append({"id": f"f{j}", "label": name, "kind": "formal"})
        ties.append({"source": f"f{j}", "target": "p", "strength": rng.choice(["normal", "weak", "strong"]),
                     "direction": "forward"})
    for j, name in enumerate(_pick(rng, INFORMAL, rng.randint(2, 3))):
        ecomap_nodes.append({"id": f"i{j}", "label": name, "kind": "informal"})
        ties.append({"source": f"i{j}", "target": "p", "strength": rng.choice(["weak", "normal", "stressful"]),
                     "direction": rng.choice(["none", "forward", "both"])})
    months = [f"{year}年{m}月" for m in (5, 7, 9, 11, 1, 3)][: rng.randint(3, 6)]
    timeline = [{"period": m, "support": f"{rng.choice(REFERRALS)}と一緒に訪問し、{rng.choice(['困りごとを聞き取った', '関係機関と情報を共有した', 'サロンへの参加を勧めた', '支援会議を開いた'])}。",
                 "actors": rng.choice(FORMAL + INFORMAL), "change": rng.choice(["表情が明るくなった", "変化はまだ見られない", "自分から相談の電話をくれるようになった", "外出の回数が増えた"])}
                for m in months]
    age = rng.choice(AGES)
    return Case.model_validate({
        "id": f"{year}-{w.code}-{nn:02d}",
        "title": f"{title_kw}の事例：{w.name}での地域の支え合い",
        "ward": w.name, "fiscal_year": year,
        "provider": f"{w.name}社協 CSW", "provider_role": "CSW（コミュニティソーシャルワーカー）",
        "keywords": _pick(rng, KEYWORDS, 3), "themes": themes, "status": status,
        "reason": f"{title_kw}に地域ぐるみで関わった経過を振り返り、今後の支援に生かしたい。",
        "questions": "本人の思いを尊重しながら、地域の見守り活動とどう連動させればよいか。",
        "target": rng.choice(["individual", "household", "individual", "community"]),
        "summary": {"referral": rng.choice(REFERRALS), "main_complaint": situation + "。",
                    "support_period": f"{year}年5月〜{year + 1}年3月"},
        "person": {"age_band": age, "gender": rng.choice(["女性", "男性"]), "household": f"{rng.choice(HOUSEHOLD)}と二人暮らし。",
                   "housing": "築年数の古い集合住宅の2階。", "health": "持病があり通院している。", "care_level": rng.choice(["要支援1", "要介護1", "なし"]),
                   "economy": "年金で生活している。", "life_history": "長く商店を営み、地域の行事にも参加していた。",
                   "wishes": "住み慣れた家で暮らし続けたい。", "strengths": "近所づきあいが好きで、昔の仲間とのつながりがある。"},
        "community": {"school_district": "A小学校区。古い住宅と新しいマンションが混在している。", "population": f"高齢化率は約{rng.randint(22, 38)}％。",
                      "networks": "地域ネットワーク委員会が月1回開かれ、民生委員の見守り活動が続いている。",
                      "resources": "ふれあい喫茶、こども食堂、B病院、見守り相談室。", "strengths_issues": "行事は活発だが、担い手の高齢化が課題。"},
        "genogram": "本人の両親は他界。きょうだいは遠方に住み、連絡は年に数回。",
        "ecomap": {"nodes": ecomap_nodes, "ties": ties},
        "assessment": {"person": "支援を受けることへのためらいがある。", "family": "家族にも疲れが見える。",
                       "community": "近隣の気づきを支援につなぐ仕組みが弱い。", "needs": "日常の見守りと、困ったときの相談先。",
                       "judgement": "本人のつながりを生かした見守り体制づくりが有効と見立てた。"},
        "plan": {"policy": "本人の意思を尊重し、地域と専門職の見守りを組み合わせる。", "short_term_goal": "週1回の訪問と声かけ。",
                 "long_term_goal": "地域の見守り活動の中で安心して暮らせる。"},
        "timeline": timeline,
        "outcome": {"person_change": "サロンに月2回通うようになった。", "community_change": "近隣住民の声かけが増えた。",
                    "resource_development": "見守り協力員の新しいグループができた。"},
        "reflection": {"csw_viewpoint": "個別の支援から地域の課題を見つけ、住民と共有した。", "future_issues": "担い手の確保と継続。"},
        "discussion": {"issues": "本人の思いと家族の意向のずれ。", "discussion": "グループで支援の優先順位を話し合った。",
                       "conclusion": "小さな役割から地域とのつながりを取り戻す。"},
        "comments": [{"kind": "advice", "advisor": "A大学 教授", "text": rng.choice(ADVICE)},
                     {"kind": "key_points", "advisor": "B大学 准教授", "text": rng.choice(ADVICE)}],
        "ethics": {"consent": True, "anonymised": True},
    })


def make_cases(n: int, *, seed: int = 0, status: str = "approved") -> list[Case]:
    rng = random.Random(seed)
    return [make_case(i, rng, status=status) for i in range(n)]


def make_activity(*, seed: int = 0, years=(2023, 2024, 2025)) -> list[WardActivity]:
    """Every ward × year × figure of the vocabulary with a plausible value."""
    rng = random.Random(seed)
    rows = []
    for w in vocab.wards():
        for f in vocab.figures():
            base = rng.randint(5, 400)
            for k, y in enumerate(years):
                rows.append(WardActivity(ward=w.name, fiscal_year=y, theme=f["theme"], figure=f["name"],
                                         value=float(base + k * rng.randint(0, 30)), unit=f["unit"]))
    return rows


def fill_store(store, n: int, *, seed: int = 0, status: str = "approved") -> list[Case]:
    """Put n generated cases and the ward figures into an (empty) store."""
    cases = make_cases(n, seed=seed, status=status)
    store.import_all(cases=cases, activity=make_activity(seed=seed), author="gen_cases")
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--status", default="approved")
    args = parser.parse_args()
    from casebook.store import Store

    with Store.open() as store:
        cases = fill_store(store, args.n, seed=args.seed, status=args.status)
    print(f"{len(cases)} cases written")


if __name__ == "__main__":
    main()
