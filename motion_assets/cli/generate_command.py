"""``motion-assets generate``: write a synthetic tokenizer output tree with ground truth."""

from __future__ import annotations

import dataclasses
import pathlib
import time


def add_parser(commands) -> None:
    parser = commands.add_parser("generate", help="write synthetic tokenizer output (demo/test data)")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="folder to create")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset", choices=("demo", "default"), default="demo",
                        help="demo: small tree in seconds; default: the full default spec")
    parser.set_defaults(handler=generate)


def generate(args) -> int:
    from motion_assets.core.synthetic import SyntheticSpec, write_tokenizer_output

    spec = SyntheticSpec.demo() if args.preset == "demo" else SyntheticSpec()
    spec = dataclasses.replace(spec, seed=args.seed)
    started = time.perf_counter()
    tree = write_tokenizer_output(args.out, spec)
    print(f"wrote synthetic tokenizer output in {time.perf_counter() - started:.1f} s")
    for field in dataclasses.fields(tree):
        print(f"  {field.name}: {getattr(tree, field.name)}")
    return 0
