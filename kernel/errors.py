"""The one exception type users can meet, and the catalogue of error codes:
each code once, under its scope (a row, a whole file, or the app's own
operations), with its Chinese and English messages. docs/error-codes.md is
generated from it (`python -m unionkpi.docs`)."""


class UnionKpiError(Exception):
    """An error a user can hit, carrying a Chinese and an English message."""

    def __init__(self, code: str, zh: str | None = None, en: str | None = None):
        default_zh, default_en = CODES.get(code, (code, code))
        self.code = code
        self.zh = zh or default_zh
        self.en = en or default_en
        super().__init__(f"{self.zh} / {self.en}")


# code -> (Chinese message, English message), by scope.
# A row is quarantined; the rest of its file loads.
ROW_CODES: dict[str, tuple[str, str]] = {
    "required_missing": ("必填项为空", "required value is missing"),
    "unknown_district": ("无法识别的区", "unknown district"),
    "unknown_category": ("不在可选值范围内", "value is not one of the accepted values"),
    "invalid_date": ("日期无法识别或不存在", "not a valid date"),
    "date_in_future": ("日期晚于今天", "date is in the future"),
    "date_too_early": ("日期早于2000年", "date is before 2000"),
    "closed_before_received": ("结束日期早于受理日期", "closing date is before the opening date"),
    "invalid_number": ("不是有效的数字", "not a valid number"),
    "not_positive_integer": ("应为正整数", "must be a positive whole number"),
    "negative_amount": ("金额为负数", "amount is negative"),
    "amount_too_large": ("金额超过上限", "amount is above the per-row ceiling"),
    "invalid_flag": ("应填“是”或“否”", "must be 是/否 (yes/no)"),
    "invalid_year": ("年度无效", "not a valid year"),
    "invalid_uscc": (
        "统一社会信用代码无效（校验位不符或格式错误）",
        "invalid unified social credit code (check character or format)",
    ),
    "uscc_as_number": (
        "统一社会信用代码被Excel转成了数字，请将该列设为文本后重新填写",
        "credit code was turned into a number by Excel; format the column as text and re-enter it",
    ),
    "formula_text": ("单元格以 = + - @ 开头，可能是公式", "cell starts with = + - @ and may be a spreadsheet formula"),
    "duplicate_key": ("同一文件中编号重复", "the same key appears more than once in this file"),
    "missing_certified_date": ("达标企业缺少认定日期", "a certified enterprise needs a certified date"),
    "district_out_of_scope": ("只能报送本区的数据", "you may submit rows of your own district only"),
    "invalid_rate": ("比率应在0到1之间", "a rate must be between 0 and 1"),
    "number_out_of_range": ("数值超出该列可保存的范围", "the number is too large for this column"),
    "text_too_long": ("文字过长，不像该列应填的内容", "the text is far too long for what this column holds"),
    "formula_not_calculated": (
        "公式从未计算过结果：请用Excel或WPS打开该文件并重新保存",
        "the formula was never calculated: open the file in Excel or WPS and save it again",
    ),
}
# The whole file is rejected: nothing of it is stored; the file is archived.
FILE_CODES: dict[str, tuple[str, str]] = {
    "file_too_large": ("文件超过大小上限", "file is larger than the limit"),
    "empty_file": ("文件为空或没有数据行", "the file is empty or has no data rows"),
    "unreadable_file": ("文件无法读取", "the file cannot be read"),
    "workbook_too_large": (
        "工作簿解压后超过上限，数据量大时请另存为CSV提交",
        "the workbook unpacks to more than the limit; submit large data as CSV",
    ),
    "sheet_too_sparse": (
        "工作表的使用区域远超表格本身，请删除表格以外的内容后重新提交",
        "the sheet's used area reaches far beyond the table; delete what lies outside it and submit again",
    ),
    "conflicting_units": (
        "同一列写明了两种金额单位",
        "two different money units are stated for the same column",
    ),
    "landing_busy": (
        "另一个进程占用落地库超过60秒，本次未导入任何文件，请稍后重试",
        "another process held the landing data for over 60 s; nothing was ingested, try again later",
    ),
    "ingest_failed": (
        "导入时出现意外错误，文件已存档，请联系数据管理员",
        "an unexpected error stopped this file's ingest; the file is archived, please tell the data steward",
    ),
    "encrypted_workbook": (
        "工作簿已加密，请去除密码后重新提交",
        "the workbook is password-protected; remove the password and resubmit",
    ),
    "unknown_encoding": ("文本编码无法识别（应为UTF-8或GB18030）", "unknown text encoding (expected UTF-8 or GB18030)"),
    "unknown_template": ("无法识别的报表格式（表头与模板不符）", "the headers match no known template"),
    "ambiguous_template": ("表头同时符合多个模板", "the headers match more than one template equally"),
    "missing_required_column": ("缺少必填列", "a required column is missing"),
    "dataset_mismatch": ("表头与指定的数据集不符", "the headers do not match the dataset given"),
}
# The app's own operations: commands, publishing, users, sign-in, backup.
APP_CODES: dict[str, tuple[str, str]] = {
    "bad_period": ("报送期格式应为 2024-01..2024-03", "period must look like 2024-01..2024-03"),
    "no_such_path": ("文件或文件夹不存在", "no such file or folder"),
    "no_such_load": ("没有这个已入库的批次", "no loaded load has that id"),
    "already_withdrawn": ("该批次已撤回", "that load was already withdrawn"),
    "no_earlier_publish": ("没有可回退的较早发布版本", "there is no earlier published warehouse to roll back to"),
    "checks_failed_to_run": (
        "数据质量检查进程意外结束（详见上方错误输出），本次构建未发布",
        "the data-quality checks' process ended unexpectedly (see the errors above); this build was not published",
    ),
    "unknown_role": ("未知角色", "unknown role"),
    "user_exists": ("用户已存在", "user exists"),
    "no_such_user": ("没有该用户", "no such user"),
    "account_locked": ("账户已临时锁定，请稍后再试", "account temporarily locked; try later"),
    "bad_credentials": ("用户名或密码错误", "wrong user name or password"),
    "backup_not_empty": ("备份目录不为空", "backup folder is not empty"),
    "unknown_identity": (
        "单点登录的身份未获授权，请联系数据管理员开通",
        "this single sign-on identity is not authorised; ask a data steward",
    ),
    "unverified_identity": (
        "单点登录的邮箱未经验证，请联系数据管理员",
        "the single sign-on e-mail address is not verified; ask a data steward",
    ),
    "not_a_backup": ("不是备份目录", "not a backup folder"),
    "backup_corrupt": ("备份文件已损坏", "backup file is damaged"),
    "bad_month": ("月份格式应为 YYYY-MM（如 2026-10）", "a month looks like YYYY-MM (e.g. 2026-10)"),
    "unknown_lang": ("语言应为 zh 或 en", "the language must be zh or en"),
    "no_data_for_month": ("已发布的数据仓库没有该月的数据", "the published warehouse has no data for that month"),
    "invalid_email": ("电子邮件地址无效", "not a valid e-mail address"),
    "no_email": ("该用户没有电子邮件地址", "the user has no e-mail address"),
    "database_url_invalid": (
        "UNIONKPI_DATABASE_URL 应为 postgresql://用户:密码@主机:端口/数据库名，或不设置（使用内置 DuckDB）",
        "UNIONKPI_DATABASE_URL must be postgresql://user:password@host:port/dbname, or unset (embedded DuckDB)",
    ),
    "database_unavailable": ("无法连接数据库", "cannot connect to the database"),
    "no_landing_tables": (
        "数据库中还没有落地数据（raw 模式），请先导入文件",
        "the database has no landing data yet (schema raw): ingest files first",
    ),
    "mail_not_configured": (
        "未设置 UNIONKPI_SMTP_URL 或 UNIONKPI_MAIL_FROM，无法发送邮件",
        "UNIONKPI_SMTP_URL or UNIONKPI_MAIL_FROM is not set: no mail can be sent",
    ),
}
SCOPES = {"row": ROW_CODES, "file": FILE_CODES, "app": APP_CODES}
CODES: dict[str, tuple[str, str]] = {code: text for codes in SCOPES.values() for code, text in codes.items()}

# Remarks that block nothing (an entry's `notes`), with their messages.
NOTES: dict[str, tuple[str, str]] = {
    "hidden_sheet": ("隐藏的工作表未导入", "a hidden sheet was passed over"),
    "summary_sheet": (
        "汇总表未作为明细导入，已与明细核对",
        "a summary sheet is not loaded as detail; it was checked against the detail",
    ),
    "summary_totals_differ": ("汇总表合计与明细不符", "the summary sheet's totals differ from the detail rows"),
    "summary_not_checked": ("汇总表无法与明细核对", "the summary sheet could not be checked against the detail"),
}


def note(code: str, zh_detail: str = "", en_detail: str = "") -> dict[str, str]:
    """A remark on a report entry that blocks nothing (its `notes`)."""
    zh, en = NOTES[code]
    return {
        "code": code,
        "message": zh + (f"：{zh_detail}" if zh_detail else ""),
        "message_en": en + (f": {en_detail}" if en_detail else ""),
    }
