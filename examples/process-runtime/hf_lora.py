#!/usr/bin/env python3
"""LoRA fine-tuning and evaluation with Hugging Face transformers + peft, as a Potluck
``process`` runtime command (docs/process-runtime.md).

A donor who wants to lend a GPU for Hugging Face models approves it in the agent's config::

    "policy": { "runtimes": ["builtin", "process"] },
    "process": { "commands": { "hf-lora": {
        "argv": ["/opt/lora/venv/bin/python", "/opt/lora/hf_lora.py"],
        "env": { "HF_HOME": "/data/hf-cache", "HF_HUB_OFFLINE": "1" } } } }

and builders ask for it with ``"requirements": { "runtime": "process", "command": "hf-lora" }``.

The agent appends the job file's path (also in ``POTLUCK_JOB_FILE``); the script writes its
output into ``outputDir`` (fine-tune: ``adapter.tar``, the peft adapter folder as a
deterministic tar; eval: ``report.json``), checkpoints into ``checkpointDir``, and one JSON
event per line on stdout. Logs of the libraries go to stderr, which the agent puts in the
job's log.

Needs: Python 3.9+, torch, transformers, peft (and the base model in the Hugging Face cache
or reachable). It has not been run in Potluck's CI, which has no GPU and no PyPI; the
dependency-free toy-trainer.mjs beside it implements the same contract and is what the
tests run. ``python3 -m py_compile hf_lora.py`` is checked.
"""

import hashlib
import io
import json
import math
import os
import random
import sys
import tarfile
import tempfile
import time

MAX_LENGTH = 1024


def emit(event):
    sys.stdout.write(json.dumps(event, allow_nan=False) + "\n")
    sys.stdout.flush()


def log(message, level="info"):
    emit({"type": "log", "level": level, "message": message[:2000]})


def fail(code, message, retryable=False):
    emit({"type": "error", "code": code, "message": message[:2000], "retryable": retryable})
    sys.exit(1)


def row_text(row, tokenizer):
    """A dataset row (chat, instruction or plain text form) as training text."""
    if isinstance(row.get("text"), str):
        return row["text"]
    if isinstance(row.get("prompt"), str):
        return row["prompt"] + "\n" + str(row.get("completion", ""))
    if isinstance(row.get("messages"), list):
        if getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(row["messages"], tokenize=False)
        return "".join("%s: %s\n" % (m["role"], m["content"]) for m in row["messages"])
    fail("INVALID_DATASET", "a row has no text, prompt or messages")


def read_rows(job):
    """Rows of every dataset file (the agent checked their sha256), with a held-out share from a hash of each line."""
    rows = []
    for dataset in job["datasets"]:
        with open(dataset["path"], "r", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    fail("INVALID_DATASET", "%s: line %d is not JSON" % (dataset["datasetId"], number))
                share = int.from_bytes(hashlib.sha256(line.rstrip("\n").encode("utf-8")).digest()[:4], "big") / 2**32
                rows.append((row, share))
    return rows


def split(rows, fraction):
    train = [row for row, share in rows if share >= fraction]
    held_out = [row for row, share in rows if share < fraction]
    return train, held_out


def batch_of(texts, tokenizer, device):
    encoded = tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=MAX_LENGTH)
    input_ids = encoded["input_ids"].to(device)
    attention = encoded["attention_mask"].to(device)
    labels = input_ids.masked_fill(attention == 0, -100)
    return input_ids, attention, labels


def score(model, tokenizer, rows, device, batch_size):
    """Mean loss (nats per scored token), token accuracy (argmax next token right) and counts."""
    import torch

    model.eval()
    loss_sum, hits, tokens = 0.0, 0, 0
    texts = [row_text(row, tokenizer) for row in rows]
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            input_ids, attention, labels = batch_of(texts[start:start + batch_size], tokenizer, device)
            logits = model(input_ids=input_ids, attention_mask=attention).logits[:, :-1, :].float()
            targets = labels[:, 1:]
            mask = targets != -100
            losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets.clamp(min=0), reduction="none")
            loss_sum += float((losses * mask).sum())
            hits += int(((logits.argmax(dim=-1) == targets) & mask).sum())
            tokens += int(mask.sum())
    if tokens == 0:
        fail("EMPTY_DATASET", "no row has a token to score")
    return {"loss": loss_sum / tokens, "tokenAccuracy": hits / tokens, "tokens": tokens, "rows": len(rows)}


def tar_folder(folder, path):
    """The adapter folder as a tar whose bytes depend only on the files (sorted, no times or owners)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as handle:
                data = handle.read()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            archive.addfile(info, io.BytesIO(data))
    with open(path + ".partial", "wb") as handle:
        handle.write(buffer.getvalue())
    os.replace(path + ".partial", path)


def load_base(spec):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
    try:
        tokenizer = AutoTokenizer.from_pretrained(spec["baseModel"])
        model = AutoModelForCausalLM.from_pretrained(spec["baseModel"], torch_dtype=dtype).to(device)
    except OSError as error:
        fail("MODEL_UNAVAILABLE", "%s: %s" % (spec["baseModel"], error), retryable=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer, model, device


def fine_tune(job):
    import torch
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    spec, h = job["spec"], job["spec"]["hyperparameters"]
    if spec["method"] != "lora":
        fail("UNSUPPORTED_SPEC", "hf_lora.py trains LoRA adapters only (method lora)")
    random.seed(spec["seed"])
    torch.manual_seed(spec["seed"])
    tokenizer, model, device = load_base(spec)
    parameters = sum(p.numel() for p in model.parameters())
    model = get_peft_model(model, LoraConfig(r=h["rank"], lora_alpha=h["alpha"], target_modules="all-linear", lora_dropout=0.0, task_type="CAUSAL_LM"))
    train, held_out = split(read_rows(job), spec["heldOutFraction"])
    if not train or not held_out:
        fail("NO_HELD_OUT", "the dataset is too small to split (%d train, %d held-out rows)" % (len(train), len(held_out)))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=h["learningRate"], weight_decay=h["weightDecay"])
    warmup = max(1, h["warmupSteps"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    sampler = random.Random(spec["seed"])
    step, tokens, first_loss, last_loss = 0, 0, None, None
    if job["resumeFrom"]:
        state = torch.load(job["resumeFrom"]["path"], map_location=device, weights_only=False)
        set_peft_model_state_dict(model, state["adapter"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        sampler.setstate(state["sampler"])
        torch.set_rng_state(state["torch_rng"])
        step, tokens, first_loss, last_loss = state["step"], state["tokens"], state["first_loss"], state["last_loss"]
        log("resuming from step %d" % step)
    started = time.time()
    model.train()
    while step < h["steps"]:
        step += 1
        texts = [row_text(train[sampler.randrange(len(train))], tokenizer) for _ in range(h["batchSize"])]
        input_ids, attention, labels = batch_of(texts, tokenizer, device)
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        tokens += int(attention.sum())
        last_loss = float(loss)
        first_loss = last_loss if first_loss is None else first_loss
        per_step = (time.time() - started) / step
        emit({"type": "progress", "step": step, "totalSteps": h["steps"], "tokens": tokens, "loss": last_loss,
              "learningRate": scheduler.get_last_lr()[0], "flops": 6 * parameters * tokens, "etaMs": int(per_step * (h["steps"] - step) * 1000)})
        if step % spec["checkpointEvery"] == 0 and step < h["steps"]:
            name = "step-%d.pt" % step
            path = os.path.join(job["checkpointDir"], name)
            torch.save({"adapter": get_peft_model_state_dict(model), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                        "sampler": sampler.getstate(), "torch_rng": torch.get_rng_state(), "step": step, "tokens": tokens,
                        "first_loss": first_loss, "last_loss": last_loss}, path + ".partial")
            os.replace(path + ".partial", path)
            emit({"type": "checkpoint", "file": name, "step": step, "tokens": tokens})
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        tar_folder(folder, os.path.join(job["outputDir"], "adapter.tar"))
    tuned = score(model, tokenizer, held_out, device, 2)
    with model.disable_adapter():
        base = score(model, tokenizer, held_out, device, 2)
    log("held-out loss %.3f (base %.3f), token accuracy %.1f %%" % (tuned["loss"], base["loss"], 100 * tuned["tokenAccuracy"]))
    emit({"type": "result", "output": "adapter.tar", "metrics": {
        "steps": step, "tokens": tokens, "flops": 6 * parameters * tokens, "trainLossFirst": first_loss, "trainLossLast": last_loss,
        "heldOutLoss": tuned["loss"], "baseHeldOutLoss": base["loss"], "uniformLoss": math.log(len(tokenizer))}})


def evaluate(job):
    import torch
    from peft import PeftModel

    spec = job["spec"]
    torch.manual_seed(0)
    tokenizer, model, device = load_base(spec)
    parameters = sum(p.numel() for p in model.parameters())
    rows = read_rows(job)
    scored = split(rows, spec["heldOutFraction"])[1] if spec["split"] == "held-out" else [row for row, _ in rows]
    with tempfile.TemporaryDirectory() as folder:
        if job["adapter"]:
            with tarfile.open(job["adapter"]["path"]) as archive:
                for member in archive.getmembers():
                    if not member.isfile() or "/" in member.name or member.name.startswith("."):
                        fail("ADAPTER_MISMATCH", "the adapter archive holds more than plain files")
                archive.extractall(folder)
            model = PeftModel.from_pretrained(model, folder).to(device)
        log("evaluating %s on %d %s rows of %d" % ("the adapter" if job["adapter"] else "the base model", len(scored), spec["split"], len(rows)))
        result = score(model, tokenizer, scored, device, 2)
    flops = 2 * parameters * result["tokens"]
    emit({"type": "progress", "step": 1, "totalSteps": 1, "tokens": result["tokens"], "loss": result["loss"], "flops": flops})
    metrics = {"loss": result["loss"], "perplexity": math.exp(result["loss"]), "uniformLoss": math.log(len(tokenizer)),
               "tokenAccuracy": result["tokenAccuracy"], "rows": result["rows"], "tokens": result["tokens"], "flops": flops}
    report = {"format": "potluck-eval-report/1", "jobId": job["jobId"], "spec": spec,
              "adapterSha256": job["adapter"]["sha256"] if job["adapter"] else None,
              "datasets": [{"datasetId": d["datasetId"], "version": d["version"], "sha256": d["sha256"]} for d in job["datasets"]],
              "metrics": metrics}
    path = os.path.join(job["outputDir"], "report.json")
    with open(path + ".partial", "w", encoding="utf-8") as handle:
        handle.write(json.dumps(report) + "\n")
    os.replace(path + ".partial", path)
    emit({"type": "result", "output": "report.json", "metrics": metrics})


def main():
    path = sys.argv[-1] if len(sys.argv) > 1 else os.environ.get("POTLUCK_JOB_FILE", "")
    with open(path, "r", encoding="utf-8") as handle:
        job = json.load(handle)
    if job.get("format") != "potluck-process-job/1":
        fail("UNSUPPORTED_JOB_FILE", "unknown job file format %r" % job.get("format"))
    kind = job["spec"]["kind"]
    log("hf_lora.py pid %d: %s job %s, attempt %d" % (os.getpid(), kind, job["jobId"], job["attemptNo"]))
    try:
        import peft  # noqa: F401  (checked here so that a missing package is an error event, not a traceback)
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as error:
        fail("MISSING_DEPENDENCY", "this donor's hf-lora command lacks a package: %s" % error, retryable=True)
    if kind == "fine-tune":
        fine_tune(job)
    elif kind == "eval":
        evaluate(job)
    else:
        fail("UNSUPPORTED_KIND", "hf_lora.py runs fine-tune and eval jobs only")


if __name__ == "__main__":
    main()
