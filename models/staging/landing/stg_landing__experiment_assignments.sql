{{ staging_current('experiment_assignments') }}
