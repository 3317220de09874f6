-- One row per district, monthly dataset and month of the reporting window:
-- submitted (已报送), nil return (零报告) or missing (未报送). A load covers
-- a month when its declared or inferred period includes it. "Held back"
-- (暂缓发布) is not known inside a warehouse: it is the state of loads that
-- a failed build did not publish, which the dashboards read from the gate.
with loads as (
    select * from {{ ref('stg_landing__loads') }}
    where
        status = 'loaded'
        and not is_withdrawn
        and dataset in ('legal_aid', 'wage_recovery')
),

districts as (
    select * from {{ ref('dim_district') }}
    where is_district
),

months as (
    select * from {{ ref('int_months_spanned') }}
),

coverage as (
    select
        unnest(districts) as district_code,
        dataset,
        cast(date_trunc('month', period_start) as date) as first_month,
        period_end,
        is_nil_return,
        loaded_at,
        load_id
    from loads
),

datasets as (
    select datasets.dataset
    from (values ('legal_aid'), ('wage_recovery')) as datasets (dataset)
),

grid as (
    select
        districts.district_code,
        datasets.dataset,
        months.month
    from districts
    cross join months
    cross join datasets
),

counted as (
    select
        grid.district_code,
        grid.dataset,
        grid.month,
        count(coverage.load_id) filter (
            where not coverage.is_nil_return
        ) as data_loads,
        count(coverage.load_id) filter (
            where coverage.is_nil_return
        ) as nil_returns,
        max(coverage.loaded_at) as last_loaded_at
    from grid
    left join coverage
        on grid.district_code = coverage.district_code
        and grid.dataset = coverage.dataset
        and grid.month between coverage.first_month and coverage.period_end
    group by grid.district_code, grid.dataset, grid.month
),

final as (
    select
        district_code,
        dataset,
        month,
        case
            when data_loads > 0 then '已报送'
            when nil_returns > 0 then '零报告'
            else '未报送'
        end as submission_status,
        data_loads,
        nil_returns,
        last_loaded_at
    from counted
)

select * from final
