"""Orchestration: the `unionkpi` command, the build that runs dbt and Great
Expectations and publishes, backups, and the generated docs. The only
package that runs dbt and the checks; it sits on top of kernel, ingest,
expectations and trust."""
