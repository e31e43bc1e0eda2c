"""bench/serve_fastapi.py - the recipe nlpops serve replaces, for bench/serve.

FastAPI + uvicorn + a scikit-learn pipeline: TfidfVectorizer (word 1-2
grams) then LogisticRegression, trained on the same TSV as the nlpops model.
It answers POST /v1/predict with {"text": ...} -> {"label", "p"} or
{"texts": [...]} -> {"results": [{"label", "p"}, ...]} like nlpops serve,
and GET /v1/model.

Debian's python3-fastapi, python3-uvicorn and python3-sklearn import only
under /usr/bin/python3.

    /usr/bin/python3 bench/serve_fastapi.py train TRAIN.tsv.gz MODEL.pkl
    SERVE_FASTAPI_MODEL=MODEL.pkl [SERVE_FASTAPI_MODE=async|sync] \\
        /usr/bin/python3 -m uvicorn --app-dir bench serve_fastapi:app \\
        --host 127.0.0.1 --port PORT --workers W --no-access-log

SERVE_FASTAPI_MODE picks the endpoint's kind: "sync" (def: FastAPI runs it
on its thread pool, what the FastAPI docs suggest for blocking work) or
"async" (async def: run on the event loop, no thread hop; the work holds
the GIL either way).  bench/serve measures both and keeps the faster.
"""

import gzip
import os
import pickle
import sys
from typing import List, Optional


def train(tsv, out):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    labels, texts = [], []
    with gzip.open(tsv, "rt", encoding="utf-8") as f:
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            labels.append(label)
            texts.append(text)
    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2)),
        LogisticRegression(max_iter=1000),
    )
    pipe.fit(texts, labels)
    with open(out, "wb") as f:
        pickle.dump(pipe, f, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "train":
        train(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(__doc__)

from fastapi import FastAPI, HTTPException  # noqa: E402
from pydantic import BaseModel  # noqa: E402

MODEL_PATH = os.environ["SERVE_FASTAPI_MODEL"]
with open(MODEL_PATH, "rb") as _f:
    pipe = pickle.load(_f)
classes = [str(c) for c in pipe.classes_]

app = FastAPI()


class PredictRequest(BaseModel):
    text: Optional[str] = None
    texts: Optional[List[str]] = None


def predict(req: PredictRequest):
    if (req.text is None) == (req.texts is None):
        raise HTTPException(status_code=400, detail='give "text" or "texts"')
    batch = [req.text] if req.text is not None else req.texts
    if not batch:
        return {"results": []}
    proba = pipe.predict_proba(batch)
    best = proba.argmax(axis=1)
    results = [
        {"label": classes[j], "p": round(float(proba[i, j]), 6)}
        for i, j in enumerate(best)
    ]
    if req.text is not None:
        return results[0]
    return {"results": results}


if os.environ.get("SERVE_FASTAPI_MODE", "async") == "sync":

    @app.post("/v1/predict")
    def predict_sync(req: PredictRequest):
        return predict(req)

else:

    @app.post("/v1/predict")
    async def predict_async(req: PredictRequest):
        return predict(req)


@app.get("/v1/model")
async def model():
    return {"model": os.path.basename(MODEL_PATH), "labels": classes}
