-- Every mart adds up to the staging model it is built from: cases, workers
-- and yuan (to the fen), certified enterprises and their employees. Each
-- row returned names a mart and a measure that lost or gained something on
-- the way from staging.
with legal_aid as (
    select * from {{ ref('stg_landing__legal_aid_cases') }}
),

wages as (
    select * from {{ ref('stg_landing__wage_recoveries') }}
),

certifications as (
    select * from {{ ref('stg_landing__certifications') }}
),

staged as (
    select
        'legal_aid' as dataset,
        unnest(array['cases', 'workers', 'yuan']) as measure,
        unnest(array[
            cast(count(*) as decimal(38, 2)),
            cast(sum(workers) as decimal(38, 2)),
            cast(sum(amount_recovered_yuan) as decimal(38, 2))
        ]) as total
    from legal_aid
    union all
    select
        'wage_recovery' as dataset,
        unnest(array['cases', 'workers', 'yuan']) as measure,
        unnest(array[
            cast(count(*) as decimal(38, 2)),
            cast(sum(workers) as decimal(38, 2)),
            cast(sum(amount_recovered_yuan) as decimal(38, 2))
        ]) as total
    from wages
    union all
    select
        'certification' as dataset,
        unnest(array['certified', 'employees']) as measure,
        unnest(array[
            cast(count(*) filter (where status = '达标') as decimal(38, 2)),
            cast(sum(employees) as decimal(38, 2))
        ]) as total
    from certifications
),

marts as (
    select
        'fct_legal_aid_cases' as mart,
        'legal_aid' as dataset,
        unnest(array['cases', 'workers', 'yuan']) as measure,
        unnest(array[
            cast(count(*) as decimal(38, 2)),
            cast(sum(workers) as decimal(38, 2)),
            cast(sum(amount_recovered_yuan) as decimal(38, 2))
        ]) as total
    from {{ ref('fct_legal_aid_cases') }}
    union all
    select
        'fct_wage_recoveries' as mart,
        'wage_recovery' as dataset,
        unnest(array['cases', 'workers', 'yuan']) as measure,
        unnest(array[
            cast(count(*) as decimal(38, 2)),
            cast(sum(workers) as decimal(38, 2)),
            cast(sum(amount_recovered_yuan) as decimal(38, 2))
        ]) as total
    from {{ ref('fct_wage_recoveries') }}
    union all
    select
        'fct_certifications' as mart,
        'certification' as dataset,
        unnest(array['certified', 'employees']) as measure,
        unnest(array[
            cast(count(*) filter (where status = '达标') as decimal(38, 2)),
            cast(sum(employees) as decimal(38, 2))
        ]) as total
    from {{ ref('fct_certifications') }}
    union all
    select
        'kpi_district_month' as mart,
        unnest(array[
            'legal_aid', 'legal_aid', 'legal_aid',
            'wage_recovery', 'wage_recovery', 'wage_recovery',
            'certification'
        ]) as dataset,
        unnest(array[
            'cases', 'workers', 'yuan', 'cases', 'workers', 'yuan',
            'certified'
        ]) as measure,
        unnest(array[
            cast(sum(legal_aid_cases) as decimal(38, 2)),
            cast(sum(legal_aid_workers) as decimal(38, 2)),
            cast(sum(legal_aid_recovered_yuan) as decimal(38, 2)),
            cast(sum(wage_cases) as decimal(38, 2)),
            cast(sum(wage_workers) as decimal(38, 2)),
            cast(sum(wages_recovered_yuan) as decimal(38, 2)),
            cast(sum(certified_enterprises) as decimal(38, 2))
        ]) as total
    from {{ ref('kpi_district_month') }}
    union all
    select
        'kpi_wage_source_month' as mart,
        'wage_recovery' as dataset,
        unnest(array['cases', 'workers', 'yuan']) as measure,
        unnest(array[
            cast(sum(wage_cases) as decimal(38, 2)),
            cast(sum(wage_workers) as decimal(38, 2)),
            cast(sum(wages_recovered_yuan) as decimal(38, 2))
        ]) as total
    from {{ ref('kpi_wage_source_month') }}
)

select
    marts.mart,
    marts.dataset,
    marts.measure,
    marts.total as mart_total,
    staged.total as staging_total
from marts
inner join staged
    on marts.dataset = staged.dataset
    and marts.measure = staged.measure
where coalesce(marts.total, 0) != coalesce(staged.total, 0)
