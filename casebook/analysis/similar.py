"""Similar cases: for one case, the cases most like it that the user may read, and why.

Baseline: TF-IDF over the SudachiPy words of each case (`corpus.terms_of`: nouns and compounds,
never names), cosine similarity. Implemented on numpy in CSR form (indptr / indices / data), not
scikit-learn: the whole model is about 40 lines, a query is one gather and one `np.add.reduceat`
over the non-zeros (about 1 ms at 1,000 cases, see benchmarks/analysis.py), memory grows with the
words actually used rather than cases × vocabulary, and the kernel does not import scikit-learn
(~1 s and ~30 MB) for it. TF is sublinear (1 + ln tf), IDF smoothed (ln((1+N)/(1+df)) + 1), rows
L2-normalised — the same as scikit-learn's TfidfVectorizer(sublinear_tf=True).

Ranking: 0.7 × word cosine + 0.2 × shared themes (Jaccard) + 0.1 × same household type. Words carry
most of the weight; the theme and household terms break ties between cases that read alike and
make "same theme, shared key terms" rank above a case that only shares common words.

Who sees what: a case is offered only when `casebook.workflow.may_read(user, case)` allows it, or it
is published (staff read every ward's published cases; ../shared/DOMAIN.md). Asking about a case the
user may not read is refused (PermissionDenied), since its neighbours would describe it.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from casebook.analysis.corpus import Doc, corpus, session_counts

if TYPE_CHECKING:
    from casebook.identity import User
    from casebook.store import Store

W_WORDS, W_THEMES, W_HOUSEHOLD = 0.7, 0.2, 0.1
REASON_WORDS = 5


@dataclass(frozen=True)
class Similar:
    case_id: str
    title: str
    ward: str
    fiscal_year: int
    status: str
    score: float
    cosine: float
    shared_themes: tuple[str, ...]
    shared_words: tuple[str, ...]
    household: str                    # the shared household type, "" when different

    @property
    def reasons(self) -> list[str]:
        """Why, in Japanese, for the case form's 「似ている事例」 and the browser."""
        out = []
        if self.shared_themes:
            out.append("同じテーマ: " + "、".join(self.shared_themes))
        if self.shared_words:
            out.append("共通する言葉: " + "、".join(self.shared_words))
        if self.household:
            out.append(f"同じ世帯の型: {self.household}")
        return out

    def as_dict(self) -> dict:
        """For the API (JSON)."""
        return {"case_id": self.case_id, "title": self.title, "ward": self.ward, "fiscal_year": self.fiscal_year,
                "status": self.status, "score": round(self.score, 4), "cosine": round(self.cosine, 4),
                "shared_themes": list(self.shared_themes), "shared_words": list(self.shared_words),
                "household": self.household, "reasons": self.reasons}


class SimilarityIndex:
    """TF-IDF rows of a set of cases, ready for queries."""

    def __init__(self, docs: Sequence[Doc]):
        self.docs = list(docs)
        self.position = {d.id: i for i, d in enumerate(self.docs)}
        vocab: dict[str, int] = {}
        df: dict[int, int] = {}
        rows: list[tuple[list[int], list[float]]] = []
        for d in self.docs:
            cols, tfs = [], []
            for term, n in d.terms.items():
                j = vocab.setdefault(term, len(vocab))
                df[j] = df.get(j, 0) + 1
                cols.append(j)
                tfs.append(1.0 + math.log(n))
            rows.append((cols, tfs))
        self.terms = np.array(sorted(vocab, key=vocab.get), dtype=object)
        n = len(self.docs)
        idf = np.ones(len(vocab), dtype=np.float32)
        for j, k in df.items():
            idf[j] = math.log((1 + n) / (1 + k)) + 1.0
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        self.indptr[1:] = np.cumsum([len(c) for c, _ in rows])
        self.indices = np.fromiter((j for c, _ in rows for j in c), dtype=np.int64, count=int(self.indptr[-1]))
        data = np.fromiter((t for _, ts in rows for t in ts), dtype=np.float32, count=int(self.indptr[-1]))
        data *= idf[self.indices]
        norms = np.sqrt(np.add.reduceat(data * data, self.indptr[:-1])) if len(data) else np.zeros(n)
        norms[np.diff(self.indptr) == 0] = 1.0
        self.data = data / np.repeat(norms, np.diff(self.indptr)).astype(np.float32)
        self.vocab = vocab

    def _row(self, i: int) -> np.ndarray:
        vec = np.zeros(len(self.vocab), dtype=np.float32)
        lo, hi = self.indptr[i], self.indptr[i + 1]
        vec[self.indices[lo:hi]] = self.data[lo:hi]
        return vec

    def cosines(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosine of case i with every case, and case i's dense row."""
        q = self._row(i)
        products = self.data * q[self.indices]
        scores = np.zeros(len(self.docs), dtype=np.float32)
        nonempty = np.diff(self.indptr) > 0
        if products.size:
            sums = np.add.reduceat(products, self.indptr[:-1][nonempty])
            scores[nonempty] = sums
        return scores, q

    def shared_words(self, i: int, j: int, q: np.ndarray, k: int = REASON_WORDS) -> tuple[str, ...]:
        lo, hi = self.indptr[j], self.indptr[j + 1]
        cols = self.indices[lo:hi]
        weight = self.data[lo:hi] * q[cols]
        best = np.argsort(-weight)[:k]
        return tuple(str(self.terms[cols[b]]) for b in best if weight[b] > 0)


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def visible(user: User, doc: Doc) -> bool:
    """May the user be shown this case: published, or workflow.may_read says so."""
    from casebook.workflow import may_read

    return doc.status == "published" or bool(may_read(user, doc.case))


def similar_in(index: SimilarityIndex, case_id: str, user: User, k: int = 5) -> list[Similar]:
    from casebook.errors import NotFoundError
    from casebook.workflow import may_read

    i = index.position.get(case_id)
    if i is None:
        raise NotFoundError(f"事例「{case_id}」はありません")
    me = index.docs[i]
    if me.status != "published":
        may_read(user, me.case).require()
    cos, q = index.cosines(i)
    score = W_WORDS * cos
    score += W_THEMES * np.array([_jaccard(me.themes, d.themes) for d in index.docs], dtype=np.float32)
    score += W_HOUSEHOLD * np.array([d.household == me.household for d in index.docs], dtype=np.float32)
    score[i] = -1.0
    out: list[Similar] = []
    for j in np.argsort(-score, kind="stable"):
        if len(out) >= k or score[j] <= 0:
            break
        d = index.docs[j]
        if not visible(user, d):
            continue
        out.append(Similar(d.id, d.title, d.ward, d.fiscal_year, d.status, float(score[j]), float(cos[j]),
                           tuple(t for t in me.themes if t in d.themes), index.shared_words(i, j, q),
                           d.household if d.household == me.household else ""))
    return out


_CACHE: dict[str, tuple[tuple, SimilarityIndex]] = {}
_LOCK = threading.Lock()


def index_for(store: Store) -> SimilarityIndex:
    """The index of every case in the store, rebuilt only when a case changed (ids and versions)."""
    key = store.case_versions()
    url = str(store.url)
    with _LOCK:
        hit = _CACHE.get(url)
        if hit and hit[0] == key:
            return hit[1]
    records = store.list_cases()
    index = SimilarityIndex(corpus([r.case for r in records], session_counts(store.list_sessions())))
    with _LOCK:
        _CACHE[url] = (key, index)
    return index


PUBLIC_READER_ROLE = "public"      # the published pages' anonymous reader: no role may_read knows


def published_neighbours(cases: Sequence, sessions: Sequence = (), k: int = 5) -> dict[str, list[dict]]:
    """For every published case, its k most similar published cases as {case_id, reasons}, as an anonymous
    reader may see them (`visible`: published only); titles and wards come from the published catalog.
    Made when publishing (casebook.apps.publish), so the readers' kernels never load SudachiPy and numpy
    for it (about 170 MB each)."""
    from casebook.identity import User

    reader = User("公開ページの閲覧者", PUBLIC_READER_ROLE)
    published = [c for c in cases if c.status == "published"]
    index = SimilarityIndex(corpus(published, session_counts(sessions)))
    return {c.id: [{"case_id": x.case_id, "reasons": x.reasons} for x in similar_in(index, c.id, reader, k)]
            for c in published}


def similar_cases(store_or_corpus, case_id: str, user: User, k: int = 5) -> list[Similar]:
    """The k cases most similar to `case_id` that `user` may read, best first, each with its reasons.

    `store_or_corpus`: a Store, a SimilarityIndex, or a list of Docs / Cases."""
    from casebook.model import Case

    source = store_or_corpus
    if isinstance(source, SimilarityIndex):
        index = source
    elif isinstance(source, (list, tuple)):
        docs = [corpus([x])[0] if isinstance(x, Case) else x for x in source]
        index = SimilarityIndex(docs)
    else:
        index = index_for(source)
    return similar_in(index, case_id, user, k)
