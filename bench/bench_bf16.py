"""bf16 evaluation (config train.precision: bf16) against fp32, on the real data, one thread.

(1) Speed: evaluate() over the whole validation split in fp32 and in bf16, alternated
    --repeats times in one process (minimum of the process CPU time counts: on shared cores
    wall time mostly measures the other jobs), for each of --models.
(2) Accuracy: one cnn_4 training run (fp32 training, as with either precision) in which every
    evaluation is done both ways on the same weights. Training does not depend on the
    evaluation precision (tests/test_train.py checks it), so the bf16 column is exactly what a
    `precision: bf16` run records, and the fp32 column what the default run records. Prints the
    largest change bf16 makes to any recorded validation accuracy and to the test accuracy.

    .venv/bin/python bench/bench_bf16.py --data results/data/fashion_mnist.npz \
        --epochs 1 --record-every 216

(3) --emulate, for CPUs without bf16 arithmetic, where the real bf16 path runs on reference
    kernels at ~1/20 of the fp32 speed: the bf16 column is computed in fp32 kernels on
    operands rounded to bf16 the way autocast rounds them (inputs, weights and biases of every
    convolution and linear layer, and their outputs). A product of two bf16 numbers is exact in
    fp32 and the sums are fp32 in both, so the two differ only in the order of the additions.
    Every --check-every-th validation record and the test evaluation also run the real bf16
    path on the same weights and count the images on which the two predict different classes.
"""
import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import torch  # noqa: E402
import yaml  # noqa: E402

from machine import cpu_name  # noqa: E402
from nnstudies import train as ours  # noqa: E402
from nnstudies.data import load_prepared  # noqa: E402
from nnstudies.models import build_model  # noqa: E402


def round_bf16(t):
    return t.to(torch.bfloat16).to(torch.float32)


def bf16_emulation(model):
    """A copy of model whose convolutions and linear layers see, hold and return only
    bf16-representable values, as under torch.autocast(bfloat16), but compute in fp32."""
    emulated = copy.deepcopy(model).eval()
    with torch.no_grad():
        for layer in emulated.modules():
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
                for param in layer.parameters(recurse=False):
                    param.copy_(round_bf16(param))
                layer.register_forward_pre_hook(lambda _, args: (round_bf16(args[0]),))
                layer.register_forward_hook(lambda _, args, out: round_bf16(out))
    return emulated


@torch.inference_mode()
def logits_of(forward, x, chunk):
    return torch.cat([forward(x[i:i + chunk]).float() for i in range(0, len(x), chunk)])


def real_bf16(model):
    """The forward pass of ours.evaluate's bf16 path."""
    def forward(inputs):
        with torch.autocast(inputs.device.type, dtype=torch.bfloat16):
            return model(inputs).float()
    return forward


def loss_acc(logits, y):
    loss = torch.nn.functional.cross_entropy(logits, y, reduction="sum").item() / len(y)
    return loss, (logits.argmax(1) == y).float().mean().item()


def main():
    cfg = yaml.safe_load(open(ROOT / "config.yaml"))
    arch = cfg["architectures"]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=str(ROOT / "results" / "data" / "fashion_mnist.npz"))
    p.add_argument("--models", nargs="*", default=["cnn_4"], help="for the speed part")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--model", default="cnn_4", help="for the accuracy part")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--record-every", type=int, default=216)
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--emulate", action="store_true",
                   help="bf16 column by rounding emulation (see the docstring)")
    p.add_argument("--check-every", type=int, default=81,
                   help="with --emulate: also run the real bf16 path at every Nth record")
    p.add_argument("--json", default=str(ROOT / "benchmarks" / "bench_bf16.json"))
    args = p.parse_args()
    torch.set_num_threads(1)
    data = load_prepared(args.data)
    tensors = ours.to_tensors(data, cfg["data"]["scaling"], "cpu")
    eval_batch = cfg["train"]["eval_batch"]
    print(f"# {cpu_name()}, torch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()}),"
          f" mkldnn bf16 {torch.ops.mkldnn._is_mkldnn_bf16_supported()}, threads 1, "
          f"val {len(tensors['val_y'])}, test {len(tensors['test_y'])}", flush=True)
    out = {"cpu": cpu_name(), "torch": torch.__version__, "speed": {}, "args": vars(args)}

    if not args.skip_speed:
        for name in args.models:
            torch.manual_seed(0)
            model = build_model(cfg["models"][name], tuple(tensors["val_x"].shape[1:]), 10)
            times = {"fp32": [], "bf16": []}
            for _ in range(args.repeats):
                for prec in times:
                    t = time.process_time()  # CPU time: the cores are shared
                    ours.evaluate(model, tensors["val_x"], tensors["val_y"], eval_batch, prec)
                    times[prec].append(time.process_time() - t)
            best = {k: min(v) for k, v in times.items()}
            out["speed"][name] = {**best, "bf16_speedup": best["fp32"] / best["bf16"]}
            print(f"{name}: validation pass fp32 {best['fp32']:.3f} s, bf16 {best['bf16']:.3f} s,"
                  f" speed-up {best['fp32'] / best['bf16']:.3f}x", flush=True)

    run = {"name": args.model, "seed": 0, "layers": cfg["models"][args.model],
           "optimizer": arch["optimizer"], "lr": arch["lr"], "momentum": arch["momentum"],
           "batch_size": arch["batch_size"], "epochs": args.epochs,
           "record_every": args.record_every, "scaling": cfg["data"]["scaling"]}
    pairs = []  # (split size, fp32 (loss, acc), bf16 (loss, acc))
    checks = []  # --emulate: (record, n, real bf16 acc, emulated acc, images predicted apart)
    plain = ours.evaluate

    def both(model, x, y, chunk, precision="fp32"):
        r32 = plain(model, x, y, chunk, "fp32")
        if not args.emulate:
            r16 = plain(model, x, y, chunk, "bf16")
        else:
            was_training = model.training
            emulated = logits_of(bf16_emulation(model), x, chunk)
            r16 = loss_acc(emulated, y)
            is_test = len(x) != len(tensors["val_y"])
            if is_test or len(pairs) % args.check_every == 0:
                real = logits_of(real_bf16(model.eval()), x, chunk)
                apart = (real.argmax(1) != emulated.argmax(1)).sum().item()
                checks.append((len(pairs), len(x), loss_acc(real, y)[1], r16[1], apart))
                print(f"  check: real bf16 acc {checks[-1][2]:.4f}, emulated {r16[1]:.4f}, "
                      f"{apart} images predicted apart", flush=True)
            model.train(was_training)
        pairs.append((len(x), r32, r16))
        print(f"  eval n={len(x)}: fp32 acc {r32[1]:.4f} bf16 acc {r16[1]:.4f}", flush=True)
        return r32

    ours.evaluate = both
    started = time.perf_counter()
    try:
        with open(os.devnull, "w") as log:
            curves, summary, _, _ = ours.train_run(run, data, "cpu", eval_batch, log)
    finally:
        ours.evaluate = plain
    n_val, n_test = len(tensors["val_y"]), len(tensors["test_y"])
    val = [(a, b) for n, a, b in pairs if n == n_val]
    test = [(a, b) for n, a, b in pairs if n == n_test]
    acc = {
        "run": run, "records": len(val), "wall_seconds": time.perf_counter() - started,
        "max_val_acc_change": max(abs(a[1] - b[1]) for a, b in val),
        "max_val_loss_rel_change": max(abs(a[0] - b[0]) / a[0] for a, b in val),
        "final_val_acc": {"fp32": val[-1][0][1], "bf16": val[-1][1][1]},
        "test_acc": {"fp32": test[0][0][1], "bf16": test[0][1][1]},
        "test_acc_change": abs(test[0][0][1] - test[0][1][1]),
        "val_acc_changes_in_images": [round(abs(a[1] - b[1]) * n_val) for a, b in val],
        "bf16": "emulated (fp32 kernels on bf16-rounded operands)" if args.emulate
                else "real (torch.autocast)",
    }
    if args.emulate:
        acc["emulation_checks"] = [dict(zip(("record", "n", "real_acc", "emulated_acc",
                                             "images_predicted_apart"), c)) for c in checks]
        acc["max_real_vs_emulated_acc"] = max(abs(c[2] - c[3]) for c in checks)
    out["accuracy"] = acc
    print(json.dumps({k: v for k, v in acc.items() if k != "val_acc_changes_in_images"},
                     indent=1))
    if args.json != "-":
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
