-- One row per district and dataset: when the district last sent a return of
-- that dataset, the latest reporting period it covered, and how fresh that
-- is at the build's "today". dbt's source freshness judges each landing
-- table as a whole; this is the same judgement per district, with the same
-- thresholds (vars in dbt_project.yml). Rejected and withdrawn loads do not
-- count; nil returns (零报告) do.
{%- set warn_days = var('freshness_warn_after_days') %}
{%- set error_days = var('freshness_error_after_days') %}

with loads as (
    select * from {{ ref('stg_landing__loads') }}
    where status = 'loaded' and not is_withdrawn
),

districts as (
    select * from {{ ref('dim_district') }}
    where is_district
),

window_ as (
    select * from {{ ref('int_reporting_window') }}
),

datasets as (
    select
        thresholds.dataset,
        thresholds.is_monthly,
        thresholds.warn_after_days,
        thresholds.error_after_days
    from (
        values
        (
            'legal_aid', true,
            {{ warn_days['monthly'] }}, {{ error_days['monthly'] }}
        ),
        (
            'wage_recovery', true,
            {{ warn_days['monthly'] }}, {{ error_days['monthly'] }}
        ),
        (
            'certification', false,
            {{ warn_days['certification'] }},
            {{ error_days['certification'] }}
        ),
        (
            'target', false,
            {{ warn_days['target'] }}, {{ error_days['target'] }}
        )
    ) as thresholds (dataset, is_monthly, warn_after_days, error_after_days)
),

coverage as (
    select
        unnest(districts) as district_code,
        dataset,
        period_end,
        loaded_at
    from loads
),

latest as (
    select
        district_code,
        dataset,
        max(loaded_at) as last_loaded_at,
        max(period_end) as latest_period_end
    from coverage
    group by district_code, dataset
),

measured as (
    select
        districts.district_code,
        datasets.dataset,
        datasets.is_monthly,
        datasets.warn_after_days,
        datasets.error_after_days,
        latest.last_loaded_at,
        latest.latest_period_end,
        cast(
            date_trunc('month', latest.latest_period_end) as date
        ) as latest_month_submitted,
        cast('{{ env_var("UNIONKPI_BUILD_TODAY") }}' as date)
        - cast(latest.last_loaded_at as date) as days_to_today,
        {{ months_between(
            'latest.latest_period_end', 'window_.data_date'
        ) }} as months_to_data_month
    from districts
    cross join datasets
    cross join window_
    left join latest
        on districts.district_code = latest.district_code
        and datasets.dataset = latest.dataset
),

final as (
    select
        district_code,
        dataset,
        last_loaded_at,
        latest_period_end,
        latest_month_submitted,
        -- greatest() skips nulls, so a district that never sent a return
        -- is kept null explicitly; a load stamped after an overridden
        -- "today" (a rerun of history) counts as loaded today
        case
            when last_loaded_at is not null then greatest(days_to_today, 0)
        end as days_since_loaded,
        -- months between the district's latest month and the data date's
        -- month (the latest any district reported); monthly datasets only
        case
            when is_monthly and last_loaded_at is not null
                then greatest(months_to_data_month, 0)
        end as months_behind,
        warn_after_days,
        error_after_days,
        case
            when last_loaded_at is null then '从未报送'
            when days_to_today > error_after_days then '严重滞后'
            when days_to_today > warn_after_days then '滞后'
            else '正常'
        end as freshness_status
    from measured
)

select * from final
