"""Parser for the Hong Kong Jockey Club Kaggle data set ("Horse Racing in HK", gdaley/hkracing).

A folder holds ``races.csv`` (one row per race, with the win and place dividends) and
``runs.csv.gz`` (one row per runner; ``runs.csv`` uncompressed is accepted too): ``files`` reads
them, ``race`` and ``runners`` build the payloads. Horses, jockeys and trainers are anonymised
integer ids, kept as source ids. Dates are shifted by the data set's author, so no start time is
invented.
"""

from .files import find_files, parse_folder

__all__ = ["find_files", "parse_folder"]
