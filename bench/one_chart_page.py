"""The dashboard baseline: a minimal Streamlit page that reads one query
with DuckDB (read-only, like the real pages) and draws one Plotly chart."""

import os
from pathlib import Path

import duckdb
import plotly.express as px
import streamlit as st

home = Path(os.environ.get("UNIONKPI_HOME", "data"))
with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
    frame = con.execute(
        "select month, sum(legal_aid_cases) as legal_aid_cases "
        "from marts.kpi_district_month group by month order by month"
    ).df()
st.title("legal_aid_cases")
st.plotly_chart(px.line(frame, x="month", y="legal_aid_cases"))
