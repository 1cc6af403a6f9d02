"""Tier facts as data, the application's workflow snapshot, typed audit events, and the
review records (experts, conflicts, assignments, joint opinions, certificate sequences).

Schema only; the data step is 0005 (a data step here would leave trigger events pending when
this migration's deferred index creation runs, which PostgreSQL refuses).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0003_review_fixes'),
        ('certification', '0003_review_fixes'),
        ('factories', '0002_enterprise_group'),
        ('regions', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CertificateSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tier', models.CharField(choices=[('basic', 'Basic'), ('advanced', 'Advanced'), ('excellent', 'Excellent'), ('leading', 'Leading')], max_length=10, verbose_name='tier')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('last_number', models.PositiveIntegerField(default=0, verbose_name='last number issued')),
            ],
            options={
                'verbose_name': 'certificate number sequence',
                'verbose_name_plural': 'certificate number sequences',
            },
        ),
        migrations.CreateModel(
            name='Expert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('specialities', models.CharField(blank=True, max_length=300, verbose_name='specialities')),
                ('employer_name', models.CharField(max_length=200, verbose_name='employer')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
            ],
            options={
                'verbose_name': 'expert',
                'verbose_name_plural': 'experts',
                'ordering': ['user__username'],
            },
        ),
        migrations.CreateModel(
            name='ExpertAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('invited', 'Invited'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('scored', 'Scored')], default='invited', max_length=10, verbose_name='status')),
                ('assigned_at', models.DateTimeField(auto_now_add=True, verbose_name='assigned at')),
                ('responded_at', models.DateTimeField(blank=True, null=True, verbose_name='answered at')),
                ('scores', models.JSONField(blank=True, default=dict, verbose_name='scores by criterion')),
                ('total', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='weighted score')),
                ('comment', models.TextField(blank=True, verbose_name='comments')),
                ('scored_at', models.DateTimeField(blank=True, null=True, verbose_name='scored at')),
            ],
            options={
                'verbose_name': 'expert assignment',
                'verbose_name_plural': 'expert assignments',
                'ordering': ['application', 'assigned_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='ExpertConflict',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('related_enterprise', 'Interest in the enterprise'), ('relationship', 'Relationship with people at the enterprise')], max_length=20, verbose_name='kind')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('declared_at', models.DateTimeField(auto_now_add=True, verbose_name='declared at')),
            ],
            options={
                'verbose_name': 'declared conflict of interest',
                'verbose_name_plural': 'declared conflicts of interest',
                'ordering': ['expert', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='JointOpinion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('round', models.PositiveSmallIntegerField(verbose_name='round')),
                ('decision', models.CharField(choices=[('concur', 'Concurs'), ('object', 'Objects')], max_length=10, verbose_name='opinion')),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
            ],
            options={
                'verbose_name': 'joint department opinion',
                'verbose_name_plural': 'joint department opinions',
                'ordering': ['application', 'round', 'authority__kind'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='application',
            name='application_one_open_per_factory_tier',
        ),
        migrations.RenameField(model_name='auditevent', old_name='action', new_name='event_type'),
        migrations.AddField(
            model_name='application',
            name='joint_round',
            field=models.PositiveSmallIntegerField(default=0, help_text='Counts the times the application went to the joint departments.', verbose_name='joint concurrence round'),
        ),
        migrations.AddField(
            model_name='application',
            name='resume_state',
            field=models.CharField(blank=True, help_text='The review step that returned the application; it resumes there.', max_length=30, verbose_name='returned from'),
        ),
        migrations.AddField(
            model_name='application',
            name='state_changed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='in this state since'),
        ),
        migrations.AddField(
            model_name='application',
            name='workflow',
            field=models.CharField(default='', help_text="Snapshot of the tier's workflow when the application was created.", max_length=40, verbose_name='workflow'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditevent',
            name='acting_authority',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.authority', verbose_name='acting for'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='event_type',
            field=models.CharField(choices=[('create', 'Application created'), ('submit', 'Submitted'), ('checks_pass', 'Automated checks passed'), ('checks_fail', 'Automated checks failed: returned'), ('self_declare', 'Self-declared (basic tier)'), ('withdraw', 'Withdrawn'), ('reject_filing', 'Filing rejected by the city'), ('forward', 'Forwarded by the city to the province'), ('return', 'Returned for changes'), ('reject', 'Rejected'), ('resume', 'Back at the step that returned it'), ('assign_experts', 'Experts assigned'), ('accept_assignment', 'Expert accepted the assignment'), ('decline_assignment', 'Expert declined the assignment'), ('score', 'Expert scored'), ('send_to_joint', 'Sent to the joint departments'), ('concur', 'Joint department concurred'), ('object', 'Joint department objected'), ('recommend', 'Recommended for publicity'), ('certify', 'Certified'), ('prerequisite_lost', 'Prerequisite certificate lost: returned'), ('issue', 'Certificate issued'), ('revoke', 'Certificate revoked'), ('supersede', 'Certificate superseded by a newer one'), ('suspend', 'Certificate suspended'), ('reinstate', 'Certificate reinstated')], max_length=40, verbose_name='event'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='extra_data',
            field=models.JSONField(blank=True, default=dict, help_text='What changed: failed rule codes, scores, old and new values.', verbose_name='details'),
        ),
        migrations.AddField(
            model_name='tiercondition',
            name='certificate_prefix',
            field=models.CharField(default='', max_length=10, verbose_name='certificate number prefix'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='tiercondition',
            name='certifying_level',
            field=models.CharField(default='', help_text='city, province or national: whose number sequence the certificate uses.', max_length=10, verbose_name='certifying authority level'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='tiercondition',
            name='joint_department_kinds',
            field=models.JSONField(blank=True, default=list, help_text='Authority kinds, e.g. development_reform, finance.', verbose_name='joint departments that concur'),
        ),
        migrations.AddField(
            model_name='tiercondition',
            name='min_experts',
            field=models.PositiveSmallIntegerField(default=0, help_text='0: no expert scoring.', verbose_name='minimum number of experts'),
        ),
        migrations.AddField(
            model_name='tiercondition',
            name='needs_campaign',
            field=models.BooleanField(default=True, help_text='Off: accepted all year (the basic tier).', verbose_name='applications need a campaign'),
        ),
        migrations.AddField(
            model_name='tiercondition',
            name='publicity_required',
            field=models.BooleanField(default=True, verbose_name='publicity before certification'),
        ),
        migrations.AddField(
            model_name='tiercondition',
            name='review_rubric',
            field=models.JSONField(blank=True, default=list, help_text='Criteria with code, name_zh, name_en and weight (weights add up to 1).', verbose_name='expert scoring rubric'),
        ),
        migrations.AddField(
            model_name='tiercondition',
            name='workflow',
            field=models.CharField(default='', help_text='The review chain applications of this tier go through.', max_length=40, verbose_name='workflow'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='application',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted, checks running'), ('checks_passed', 'Checks passed'), ('returned', 'Returned for changes'), ('city_review', 'Preliminary review by the city'), ('provincial_review', 'Provincial review: experts to be assigned'), ('expert_review', 'Expert scoring'), ('joint_review', "Joint departments' concurrence"), ('provincial_decision', 'Provincial decision'), ('recommended', 'Recommended for publicity'), ('certified', 'Certified'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn')], default='draft', max_length=30, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='from_status',
            field=models.CharField(blank=True, max_length=30, verbose_name='from'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='to_status',
            field=models.CharField(max_length=30, verbose_name='to'),
        ),
        migrations.AddIndex(
            model_name='application',
            index=models.Index(fields=['status', 'state_changed_at'], name='application_waiting_idx'),
        ),
        migrations.AddConstraint(
            model_name='application',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['certified', 'rejected', 'withdrawn']), _negated=True), fields=('factory', 'tier'), name='application_one_open_per_factory_tier'),
        ),
        migrations.AddField(
            model_name='certificatesequence',
            name='authority',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.authority', verbose_name='authority'),
        ),
        migrations.AddField(
            model_name='expert',
            name='employer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='factories.enterprise', verbose_name='employer (if an enterprise on the portal)'),
        ),
        migrations.AddField(
            model_name='expert',
            name='industries',
            field=models.ManyToManyField(blank=True, related_name='+', to='factories.industry', verbose_name='industries'),
        ),
        migrations.AddField(
            model_name='expert',
            name='province',
            field=models.ForeignKey(blank=True, help_text='The province whose register lists the expert; empty: the national one.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.province', verbose_name='register of'),
        ),
        migrations.AddField(
            model_name='expert',
            name='user',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='expert_profile', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AddField(
            model_name='expertassignment',
            name='application',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='certification.application'),
        ),
        migrations.AddField(
            model_name='expertassignment',
            name='assigned_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='expertassignment',
            name='expert',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='certification.expert', verbose_name='expert'),
        ),
        migrations.AddField(
            model_name='expertconflict',
            name='enterprise',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='factories.enterprise', verbose_name='enterprise'),
        ),
        migrations.AddField(
            model_name='expertconflict',
            name='expert',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='conflicts', to='certification.expert'),
        ),
        migrations.AddField(
            model_name='jointopinion',
            name='actor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='jointopinion',
            name='application',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='joint_opinions', to='certification.application'),
        ),
        migrations.AddField(
            model_name='jointopinion',
            name='authority',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.authority', verbose_name='department'),
        ),
        migrations.AddConstraint(
            model_name='certificatesequence',
            constraint=models.UniqueConstraint(fields=('tier', 'year', 'authority'), name='certificate_sequence_unique'),
        ),
        migrations.AddIndex(
            model_name='expertassignment',
            index=models.Index(fields=['expert', 'status'], name='assignment_expert_idx'),
        ),
        migrations.AddConstraint(
            model_name='expertassignment',
            constraint=models.UniqueConstraint(fields=('application', 'expert'), name='assignment_unique_expert'),
        ),
        migrations.AddConstraint(
            model_name='expertconflict',
            constraint=models.UniqueConstraint(fields=('expert', 'enterprise', 'kind'), name='expert_conflict_unique'),
        ),
        migrations.AddConstraint(
            model_name='jointopinion',
            constraint=models.UniqueConstraint(fields=('application', 'round', 'authority'), name='joint_opinion_unique'),
        ),
    ]
