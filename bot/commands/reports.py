"""The commands that read and print: `check` (feeds.yaml), `classify` (stories given as
JSON lines), `calendar` and `status`."""

import argparse
import sys
from typing import TYPE_CHECKING

from bot.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    config_path,
    imports_done,
    read_config,
    with_store,
)

if TYPE_CHECKING:
    from bot.config import FeedsConfig
    from bot.settings import Settings
    from bot.store.db import Store


def check(args: argparse.Namespace, settings: "Settings") -> int:
    config = read_config(args, settings)
    if config is None:
        return EXIT_INVALID
    path = config_path(args, settings)
    print(
        f"{path}: ok ({len(config.sources)} sources, {len(config.shows)} shows, "
        f"{len(config.subscriptions)} subscriptions)"
    )
    return EXIT_OK


def classify(args: argparse.Namespace, settings: "Settings") -> int:
    from bot.classify.classifier import Classifier
    from bot.classify.cli import ShowsFileError, classify_lines, load_catalogue

    imports_done()
    shows = args.shows or config_path(args, settings)
    try:
        classifier = Classifier(load_catalogue(shows))
    except ShowsFileError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    source = args.input.open(encoding="utf-8") if args.input else sys.stdin
    target = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    try:
        return classify_lines(classifier, source, target, sys.stderr)
    finally:
        if args.input:
            source.close()
        if args.output:
            target.close()


def calendar(args: argparse.Namespace, settings: "Settings") -> int:
    import json
    from datetime import UTC, datetime

    from sqlmodel import select

    from bot.calendar_view import entries, ics
    from bot.store.releases import ReleaseRepo
    from bot.store.sync import apply_config
    from bot.store.tables import Follow

    def work(config: "FeedsConfig", store: "Store") -> int:
        with store.session() as session:
            apply_config(session, config, datetime.now(UTC))
            followed_only = not args.all
            if followed_only and session.exec(select(Follow.id)).first() is None:
                print("nobody follows a show yet: showing the whole catalogue", file=sys.stderr)
                followed_only = False
            today = datetime.now(UTC).date()
            items = entries(ReleaseRepo(session), today, args.days, followed_only=followed_only)
        if args.ics:
            args.ics.write_bytes(ics(items))
        for item in items:
            print(json.dumps(item.as_json(), ensure_ascii=False) if args.json else item.line())
        return EXIT_OK

    return with_store(args, settings, work)


def status(args: argparse.Namespace, settings: "Settings") -> int:
    import json
    from datetime import UTC, datetime

    from bot.status import read_status

    def work(config: "FeedsConfig", store: "Store") -> int:
        with store.session() as session:
            found = read_status(session, datetime.now(UTC), config.defaults)
        print(json.dumps(found.as_json()) if args.json else "\n".join(found.lines()))
        return EXIT_OK

    return with_store(args, settings, work)
