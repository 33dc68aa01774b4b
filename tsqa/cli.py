"""The tsqa command line: generate sample data, build, validate and publish."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tsqa import settings


def _cmd_generate(args: argparse.Namespace) -> int:
    from tsqa.generate import generate

    counts = generate(out=Path(args.out), scale=args.scale, seed=args.seed, progress=not args.quiet)
    total = sum(counts.values())
    print(f"wrote {total:,} rows in {len(counts)} entities to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    cfg = settings.load()
    parser = argparse.ArgumentParser(prog="tsqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a deterministic sample landing folder")
    gen.add_argument("--scale", type=float, default=1.0, help="1 = about 20k decisions")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--out", default=str(cfg.raw_dir), help="landing root (default: TSQA_RAW_DIR)")
    gen.add_argument("--quiet", action="store_true", help="no progress output")
    gen.set_defaults(func=_cmd_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
