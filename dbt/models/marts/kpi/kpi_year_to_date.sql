-- The KPIs year to date through each month (年度累计), for every district
-- and for the city as a whole: the one place the KPI rules are applied.
-- kpi_district_year and kpi_city_year are its rows at the last month
-- counted; the monthly brief reads the month it is about.
--
-- Through month t of year y: counts and money add up January to t of y;
-- the same period last year adds up January to t of y - 1 (同期); a rate
-- or an average divides sums over those months (never averages monthly
-- ratios), and the city's divides the city's sums; a stock is read at
-- month t. Certified enterprises count in their campaign year, certified
-- by the end of month t (a past year's December: all of its campaign);
-- the month's own figure counts them by certified date, as
-- kpi_district_month does. The pass rate divides a campaign year's
-- certified by its decided as the latest returns give their statuses:
-- this year's latest month and a past year's December only.
-- The city's target is the districts' sum when every district has one;
-- for a ratio, their targets weighted by each district's denominator.
-- The metrics and their kinds: macros/kpi_metrics.sql.
{%- set metrics = kpi_metrics() %}
{%- set additive = kpi_additive_columns(metrics) %}
{%- set stocks = kpi_metrics_of_kind(metrics, ['stock']) %}
{%- set measures = kpi_summed_metrics(metrics) %}
{%- set ratios = kpi_ratios(metrics) %}

with months as (
    select * from {{ ref('kpi_district_month') }}
),

spanned as (
    select * from {{ ref('int_months_spanned') }}
),

window_ as (
    select * from {{ ref('int_reporting_window') }}
),

dates as (
    select * from {{ ref('int_dates_classified') }}
),

targets as (
    select * from {{ ref('stg_landing__targets') }}
),

certifications as (
    select * from {{ ref('fct_certifications') }}
),

districts as (
    select district_code from {{ ref('dim_district') }}
    where is_district
),

-- every metric the metrics file defines, so one without a single row shows
-- 0 (or, for a ratio, null) rather than disappearing
metrics as (
    select
        metric,
        kind,
        better
    from {{ ref('metrics') }}
),

-- Each month counted, as the end of a year to date: its last day, or the
-- data date in the data date's month; the last month counted in its year
-- is December, or the data date's month.
through as (
    select
        {{ calendar_part('year', 'spanned.month') }} as year,
        {{ calendar_part('month', 'spanned.month') }} as through_month,
        spanned.month,
        least(spanned.month_end, window_.data_date) as through_date,
        spanned.month_end >= window_.data_date
        or {{ calendar_part('month', 'spanned.month') }} = 12 as is_latest,
        spanned.month_end < window_.data_date
        and {{ calendar_part('month', 'spanned.month') }} = 12 as is_past_year
    from spanned
    cross join window_
),

-- What each figure adds up: the year to date, the same months a year
-- earlier, and the month itself.
spans as (
    select
        'ytd' as span,
        0 as years_back,
        true as from_january
    union all
    select
        'last_year' as span,
        1 as years_back,
        true as from_january
    union all
    select
        'month' as span,
        0 as years_back,
        false as from_january
),

district_sums as (
    select
        months.district_code,
        through.year,
        through.through_month,
        spans.span,
        {%- for column in additive %}
            sum(months.{{ column }}) as {{ column }},
        {%- endfor %}
        {%- for column in stocks %}
            (array_agg(months.{{ column }} order by months.month desc))[1]
                as {{ column }},
        {%- endfor %}
        count(*) as months_counted,
        -- by certified date (kpi_district_month): what "the month" counts
        sum(months.certified_enterprises) as certified_by_date
    from through
    cross join spans
    inner join months
        on {{ calendar_part('year', 'months.month') }}
        = through.year - spans.years_back
        and {{ calendar_part('month', 'months.month') }}
        <= through.through_month
        and (
            spans.from_january
            or {{ calendar_part('month', 'months.month') }}
            = through.through_month
        )
    group by
        months.district_code, through.year, through.through_month, spans.span
),

-- A campaign year's enterprises certified by the end of the span; and the
-- pass rate's parts, its certified and its decided (certified, or failed:
-- 未达标) as the latest returns give their statuses: a failed assessment
-- has no date in the returns, so these are known only as they stand now,
-- for this year's latest month and a past year's December (its whole
-- campaign); other spans have none.
{%- set certified_by_then %}
    certifications.status = '达标'
    and (
        through.is_past_year
        or certifications.certified_date <= {{ date_shifted(
            'through.through_date', '0 - spans.years_back', 'year'
        ) }}
    )
{%- endset %}
district_certified as (
    select
        certifications.district_code,
        through.year,
        through.through_month,
        spans.span,
        count(*) filter (where {{ certified_by_then }})
            as certified_enterprises,
        case
            when through.is_latest and spans.years_back = 0
                then count(*) filter (where certifications.status = '达标')
        end as campaign_certified,
        case
            when through.is_latest and spans.years_back = 0 then count(*)
        end as campaign_decided
    from through
    cross join spans
    inner join certifications
        on certifications.campaign_year = through.year - spans.years_back
    where
        spans.from_january
        and certifications.status in ('达标', '未达标')
    group by
        certifications.district_code,
        through.year,
        through.through_month,
        through.is_latest,
        spans.span,
        spans.years_back
),

district_totals as (
    select
        sums.*,
        case
            when sums.span = 'month' then sums.certified_by_date
            else coalesce(certified.certified_enterprises, 0)
        end as certified_enterprises,
        certified.campaign_certified,
        certified.campaign_decided
    from district_sums as sums
    left join district_certified as certified
        on sums.district_code = certified.district_code
        and sums.year = certified.year
        and sums.through_month = certified.through_month
        and sums.span = certified.span
),

-- the city: every district's sums added up, ratios divided afterwards
area_totals as (
    select
        district_totals.district_code as area_code,
        false as is_city,
        district_totals.*
    from district_totals
    union all
    select
        '{{ var("city_code") }}' as area_code,
        true as is_city,
        '{{ var("city_code") }}' as district_code,
        year,
        through_month,
        span,
        {%- for column in additive + stocks %}
            sum({{ column }}) as {{ column }},
        {%- endfor %}
        sum(months_counted) as months_counted,
        sum(certified_by_date) as certified_by_date,
        sum(certified_enterprises) as certified_enterprises,
        sum(campaign_certified) as campaign_certified,
        sum(campaign_decided) as campaign_decided
    from district_totals
    group by year, through_month, span
),

-- One row per measure (an unpivot PostgreSQL runs too)
long as (
    select
        totals.area_code,
        totals.is_city,
        totals.year,
        totals.through_month,
        totals.span,
        measured.metric,
        measured.amount
    from area_totals as totals
    cross join lateral (
        values
        {%- for column in measures + stocks + ['certified_enterprises'] %}
            ('{{ column }}', cast(totals.{{ column }} as decimal(20, 4))),
        {%- endfor %}
        {%- for metric, parts in ratios.items() %}
            ('{{ metric }}', {{ rounded_ratio(
            'totals.' ~ parts[0], 'totals.' ~ parts[1]
        ) }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as measured (metric, amount)
),

-- each figure's three spans side by side
spans_side_by_side as (
    select
        area_code,
        year,
        through_month,
        metric,
        max(case when span = 'ytd' then amount end) as ytd_amount,
        max(case when span = 'last_year' then amount end) as last_year_amount,
        max(case when span = 'month' then amount end) as month_amount
    from long
    group by area_code, year, through_month, metric
),

areas as (
    select
        district_code as area_code,
        false as is_city
    from districts
    union all
    select
        '{{ var("city_code") }}' as area_code,
        true as is_city
),

first_year as (
    select min(year) as year from through
),

progressed as (
    select
        through.year,
        through.through_month,
        cast(
            count(*) filter (where dates.date_day <= through.through_date)
            as double precision
        ) / count(*
        ) as time_progress,
        case
            when bool_and(dates.has_holiday_calendar)
                then cast(count(*) filter (
                        where dates.is_workday
                        and dates.date_day <= through.through_date
                    ) as double precision)
                    / count(*) filter (where dates.is_workday)
            else cast(count(*) filter (
                    where dates.date_day <= through.through_date
                ) as double precision) / count(*)
        end as time_progress_workdays
    from through
    inner join dates on through.year = dates.year
    group by through.year, through.through_month
),

grid as (
    select
        areas.area_code,
        areas.is_city,
        through.year,
        through.through_month,
        through.month,
        through.through_date,
        through.is_latest,
        metrics.metric,
        metrics.kind in ('rate', 'average') as is_ratio,
        metrics.kind = 'rate' as is_rate,
        metrics.kind in ('count', 'money') as accumulates,
        coalesce(metrics.better = 'lower', false) as lower_is_better
    from areas
    cross join through
    cross join metrics
),

compared as (
    select
        grid.*,
        -- cast back: PostgreSQL's coalesce with a bare 0 loses the scale
        cast(coalesce(
            measured.month_amount, case when not grid.is_ratio then 0 end
        ) as decimal(20, 4)) as month_value,
        cast(coalesce(
            measured.ytd_amount, case when not grid.is_ratio then 0 end
        ) as decimal(20, 4)) as actual,
        cast(coalesce(
            measured.last_year_amount,
            case
                when not grid.is_ratio and grid.year > first_year.year then 0
            end
        ) as decimal(20, 4)) as actual_same_period_last_year,
        targets.target
    from grid
    cross join first_year
    left join spans_side_by_side as measured
        on grid.area_code = measured.area_code
        and grid.year = measured.year
        and grid.through_month = measured.through_month
        and grid.metric = measured.metric
    left join targets
        on grid.area_code = targets.district_code
        and grid.year = targets.year
        and grid.metric = targets.metric
),

-- the city's target: the districts' sum when every district has one; a
-- ratio's, their targets weighted by each district's denominator. Summed
-- as decimals and divided by rounded_ratio, so the city's target does not
-- depend on the order the rows are added in (a sum of doubles does):
-- full and incremental builds, DuckDB and PostgreSQL give the same digits.
{%- set exact_target = 'cast(compared.target as decimal(20, 4))' %}
city_targets as (
    select
        compared.year,
        compared.through_month,
        compared.metric,
        case
            when count(compared.target) = count(*) then
                case
                    {%- for metric, parts in ratios.items() %}
                        when compared.metric = '{{ metric }}' then coalesce(
                                {{ rounded_ratio(
                                    'sum(' ~ exact_target
                                    ~ ' * weights.' ~ parts[1] ~ ')',
                                    'sum(weights.' ~ parts[1] ~ ')'
                                ) }},
                                {{ rounded_ratio(
                                    'sum(' ~ exact_target ~ ')',
                                    'count(compared.target)'
                                ) }}
                            )
                    {%- endfor %}
                    else sum({{ exact_target }})
                end
        end as target
    from compared
    left join area_totals as weights
        on compared.area_code = weights.area_code
        and compared.year = weights.year
        and compared.through_month = weights.through_month
        and weights.span = 'ytd'
    where not compared.is_city
    group by compared.year, compared.through_month, compared.metric
),

with_completion as (
    select
        compared.area_code,
        compared.is_city,
        compared.year,
        compared.through_month,
        compared.month,
        compared.through_date,
        compared.is_latest,
        compared.metric,
        compared.month_value,
        compared.actual,
        compared.actual_same_period_last_year,
        compared.lower_is_better,
        compared.is_rate,
        compared.accumulates,
        case
            when compared.is_city then city_targets.target
            else compared.target
        end as target
    from compared
    left join city_targets
        on compared.is_city
        and compared.year = city_targets.year
        and compared.through_month = city_targets.through_month
        and compared.metric = city_targets.metric
),

ranked as (
    select
        *,
        -- in doubles on both engines (PostgreSQL would divide numerics)
        cast(actual as double precision)
        / nullif(cast(target as double precision), 0) as completion_rate,
        -- districts rank on completion when every district has a target,
        -- otherwise on the actual figure, best first (the seed's better:
        -- the highest, or the lowest where lower is better); the city has
        -- no rank
        count(nullif(target, 0))
            over (
                partition by is_city, year, through_month, metric
            )
        = count(*) over (
            partition by is_city, year, through_month, metric
        ) as ranks_on_completion
    from with_completion
),

ranked_and_judged as (
    select
        ranked.area_code,
        ranked.is_city,
        ranked.year,
        ranked.through_month,
        ranked.month,
        ranked.through_date,
        ranked.is_latest,
        ranked.metric,
        ranked.month_value,
        ranked.actual,
        ranked.actual_same_period_last_year,
        ranked.target,
        cast(ranked.completion_rate as double precision) as completion_rate,
        progressed.time_progress,
        progressed.time_progress_workdays,
        -- what completion is judged against: the share of the year gone for
        -- what adds up through the year (counts and money), the whole
        -- target for a rate, an average or a stock
        case
            when ranked.accumulates then progressed.time_progress
            else 1.0
        end as completion_benchmark,
        ranked.is_rate,
        -- a district without a figure (a ratio over nothing) has no rank
        case
            when
                not ranked.is_city and ranked.actual is not null
                then cast(rank() over (
                        partition by
                            ranked.is_city, ranked.year, ranked.through_month,
                            ranked.metric
                        order by
                            case
                                when
                                    ranked.ranks_on_completion
                                    then ranked.completion_rate
                            end desc nulls last,
                            -- the best first: the least days to close
                            case
                                when ranked.lower_is_better then -ranked.actual
                                else ranked.actual
                            end desc nulls last
                    ) as integer)
        end as rank
    from ranked
    inner join progressed
        on ranked.year = progressed.year
        and ranked.through_month = progressed.through_month
),

-- Each row with its status (红黄绿: at or ahead of its benchmark, green;
-- at most the amber band behind, amber; further behind, red; none without
-- a completion rate: a hair of tolerance keeps a figure exactly on pace
-- green), its change on the same period last year (同比), and its month's
-- change on the month before (环比) and on the same month last year.
final as (
    select
        judged.area_code,
        judged.is_city,
        judged.year,
        judged.through_month,
        judged.month,
        judged.through_date,
        judged.is_latest,
        judged.metric,
        judged.month_value,
        judged.actual,
        judged.actual_same_period_last_year,
        judged.target,
        judged.completion_rate,
        judged.time_progress,
        judged.time_progress_workdays,
        judged.rank,
        judged.completion_benchmark,
        case
            when judged.completion_rate is null then 'none'
            when
                judged.completion_benchmark - judged.completion_rate
                <= 1e-9
                then 'green'
            when
                judged.completion_benchmark - judged.completion_rate
                <= {{ var('status_amber_band') }} + 1e-9
                then 'amber'
            else 'red'
        end as status,
        {{ change_between(
            'judged.actual',
            'judged.actual_same_period_last_year',
            'judged.is_rate'
        ) }} as change_on_last_year,
        last_month.month_value as month_value_last_month,
        {{ change_between(
            'judged.month_value', 'last_month.month_value', 'judged.is_rate'
        ) }} as month_change_on_last_month,
        same_month.month_value as month_value_last_year,
        {{ change_between(
            'judged.month_value', 'same_month.month_value', 'judged.is_rate'
        ) }} as month_change_on_last_year
    from ranked_and_judged as judged
    left join ranked_and_judged as last_month
        on judged.area_code = last_month.area_code
        and judged.metric = last_month.metric
        and last_month.month = {{ date_shifted('judged.month', -1, 'month') }}
    left join ranked_and_judged as same_month
        on judged.area_code = same_month.area_code
        and judged.metric = same_month.metric
        and same_month.month = {{ date_shifted('judged.month', -1, 'year') }}
)

select * from final
