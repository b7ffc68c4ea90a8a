"""The script a user would write instead of csfkit: pandas.read_excel + DataFrame.to_sql."""
import sqlite3
import sys

import pandas as pd

path, db = sys.argv[1], sys.argv[2]
df = pd.read_csv(path) if path.endswith(".csv") else pd.read_excel(path)
with sqlite3.connect(db) as con:
    df.to_sql("evidence", con, if_exists="append", index=False)
print(len(df), "rows")
