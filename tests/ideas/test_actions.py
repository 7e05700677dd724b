"""Feature-request actions: votes, marking, status changes with notifications, merging duplicates."""
import pytest
from sqlalchemy import func, select

from community import signals
from community.errors import Invalid, NotAllowed
from community.forum.actions import create_thread, set_following
from community.forum.models import Post, Thread, ThreadFollow
from community.ideas import actions
from community.ideas.models import RequestStatusChange, Vote
from community.moderation.models import AuditEntry
from community.notifications.models import Notification


def votes_on(db, thread):
    return db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == thread.id))


def voters_of(db, thread):
    return set(db.session.scalars(select(Vote.user_id).where(Vote.thread_id == thread.id)))


@pytest.fixture
def request_thread(make_thread, member):
    return make_thread(author=member, title="Let me pay once a year", is_feature_request=True)


def test_new_feature_request_starts_with_its_authors_vote(db, request_thread, member):
    assert voters_of(db, request_thread) == {member.id}
    assert db.session.get(Thread, request_thread.id).vote_count == 1


def test_ordinary_thread_gets_no_vote(db, make_thread):
    thread = make_thread(title="How do I descale the kettle?")
    assert votes_on(db, thread) == 0 and thread.vote_count == 0


def test_member_vote_toggles_on_and_off(db, request_thread, make_member):
    voter = make_member()
    assert actions.toggle_vote(voter, request_thread) is True
    assert db.session.get(Thread, request_thread.id).vote_count == 2
    assert actions.toggle_vote(voter, request_thread) is False
    assert db.session.get(Thread, request_thread.id).vote_count == 1
    assert voters_of(db, request_thread) == {request_thread.author_id}


def test_author_can_take_their_own_vote_back(db, request_thread, member):
    assert actions.toggle_vote(member, request_thread) is False
    assert db.session.get(Thread, request_thread.id).vote_count == 0


def test_vote_count_matches_the_votes_after_many_toggles(db, request_thread, make_member):
    people = [make_member() for _ in range(4)]
    for person in people + people[:3] + people[:1]:  # all on; first three off; the first on again
        actions.toggle_vote(person, request_thread)
    thread = db.session.get(Thread, request_thread.id)
    assert voters_of(db, thread) == {request_thread.author_id, people[0].id, people[3].id}
    assert thread.vote_count == votes_on(db, thread) == 3


def test_cannot_vote_on_a_thread_that_is_not_a_request(make_thread, make_member):
    thread = make_thread()
    with pytest.raises(NotAllowed):
        actions.toggle_vote(make_member(), thread)


def test_staff_marks_a_thread_as_request_and_the_authors_vote_counts(db, make_thread, member, facilitator):
    thread = make_thread(author=member, title="Dark mode for the app")
    actions.set_feature_request(facilitator, thread, True)
    thread = db.session.get(Thread, thread.id)
    assert thread.is_feature_request and thread.vote_count == 1 and voters_of(db, thread) == {member.id}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mark_feature_request"))
    assert entry.target_id == thread.id and entry.actor_id == facilitator.id


def test_member_cannot_mark_someone_elses_thread(db, make_thread, make_member):
    thread = make_thread(title="Dark mode for the app")
    with pytest.raises(NotAllowed):
        actions.set_feature_request(make_member(), thread, True)
    assert db.session.get(Thread, thread.id).is_feature_request is False


def test_unmarking_keeps_the_votes_for_when_it_is_marked_again(db, request_thread, facilitator, make_member):
    actions.toggle_vote(make_member(), request_thread)
    actions.set_feature_request(facilitator, request_thread, False)
    assert db.session.get(Thread, request_thread.id).is_feature_request is False
    actions.set_feature_request(facilitator, request_thread, True)
    assert db.session.get(Thread, request_thread.id).vote_count == 2 == votes_on(db, request_thread)


def test_product_manager_sets_status_with_a_public_note_and_history(db, request_thread, product_manager):
    actions.set_request_status(product_manager, request_thread, "planned", "Scheduled for the spring release.")
    actions.set_request_status(product_manager, request_thread, "in_progress", "Being built now.")
    thread = db.session.get(Thread, request_thread.id)
    assert (thread.request_status, thread.request_status_note) == ("in_progress", "Being built now.")
    history = db.session.scalars(select(RequestStatusChange).order_by(RequestStatusChange.id)).all()
    assert [(h.old_status, h.new_status, h.note) for h in history] == [
        ("open", "planned", "Scheduled for the spring release."), ("planned", "in_progress", "Being built now.")]


def test_status_change_notifies_each_voter_and_follower_once(db, request_thread, member, product_manager,
                                                             make_member):
    voter_and_follower, follower, voter = make_member(), make_member(), make_member()
    actions.toggle_vote(voter_and_follower, request_thread)
    set_following(voter_and_follower, request_thread, True)
    set_following(follower, request_thread, True)
    actions.toggle_vote(voter, request_thread)
    actions.toggle_vote(product_manager, request_thread)  # the product manager doesn't notify themself
    actions.set_request_status(product_manager, request_thread, "shipped", "Out in version 4.2.")
    notes = db.session.scalars(select(Notification).where(Notification.kind == "request_status")).all()
    assert sorted(n.user_id for n in notes) == sorted([member.id, voter_and_follower.id, follower.id, voter.id])
    assert all("Shipped" in n.text and "Out in version 4.2." in n.text for n in notes)
    assert all(n.url.startswith(f"/t/{request_thread.id}") for n in notes)


def test_member_cannot_set_status_and_nothing_changes(db, request_thread, member):
    with pytest.raises(NotAllowed):
        actions.set_request_status(member, request_thread, "shipped", "done!")
    thread = db.session.get(Thread, request_thread.id)
    assert thread.request_status == "open" and thread.request_status_note == ""
    assert db.session.scalar(select(func.count()).select_from(RequestStatusChange)) == 0


def test_status_must_be_a_known_one(request_thread, product_manager):
    with pytest.raises(Invalid):
        actions.set_request_status(product_manager, request_thread, "someday", "")


def test_too_long_status_note_is_refused(request_thread, product_manager):
    with pytest.raises(Invalid) as error:
        actions.set_request_status(product_manager, request_thread, "planned", "x" * (actions.NOTE_MAX + 1))
    assert error.value.field == "note"


def test_status_change_tells_search_after_commit(db, request_thread, product_manager):
    seen = []

    def receiver(sender, thread, change, **kwargs):
        # After commit: a fresh connection already sees the new status.
        seen.append((thread.id, change, db.session.scalar(select(Thread.request_status)
                                                          .where(Thread.id == thread.id))))

    with signals.thread_changed.connected_to(receiver):
        actions.set_request_status(product_manager, request_thread, "under_review", "")
    assert seen == [(request_thread.id, "status", "under_review")]


@pytest.fixture
def duplicate_pair(make_thread, make_member, make_category):
    category = make_category("Ideas")
    original = make_thread(author=make_member("olga"), category=category, title="Annual billing option",
                           is_feature_request=True)
    duplicate = make_thread(author=make_member("dmitri"), category=category, title="Pay yearly instead of monthly",
                            is_feature_request=True)
    return original, duplicate


def test_merge_combines_votes_without_counting_anyone_twice(db, duplicate_pair, facilitator, make_member):
    original, duplicate = duplicate_pair
    both, only_dup = make_member(), make_member()
    for person in (both,):
        actions.toggle_vote(person, original)
        actions.toggle_vote(person, duplicate)
    actions.toggle_vote(only_dup, duplicate)
    actions.merge_requests(facilitator, duplicate, original, "Same request")
    original, duplicate = db.session.get(Thread, original.id), db.session.get(Thread, duplicate.id)
    assert voters_of(db, original) == {original.author_id, duplicate.author_id, both.id, only_dup.id}
    assert original.vote_count == 4 == votes_on(db, original)
    assert duplicate.vote_count == 0 == votes_on(db, duplicate)


def test_merged_request_points_to_the_new_one_and_followers_carry_over(db, duplicate_pair, facilitator,
                                                                       make_member):
    original, duplicate = duplicate_pair
    watcher = make_member()
    set_following(watcher, duplicate, True)
    actions.merge_requests(facilitator, duplicate, original)
    assert db.session.get(Thread, duplicate.id).redirect_to_id == original.id
    followers = set(db.session.scalars(select(ThreadFollow.user_id).where(ThreadFollow.thread_id == original.id)))
    assert {watcher.id, duplicate.author_id, original.author_id} <= followers


def test_merge_leaves_a_post_in_the_old_thread_saying_where_it_went(db, duplicate_pair, facilitator):
    original, duplicate = duplicate_pair
    actions.merge_requests(facilitator, duplicate, original)
    post = db.session.scalar(select(Post).where(Post.thread_id == duplicate.id).order_by(Post.number.desc()))
    assert post.number == 2 and post.author_id == facilitator.id and post.by_staff
    assert f'href="/t/{original.id}/' in post.body_html and "Annual billing option" in post.body_html
    assert db.session.get(Thread, duplicate.id).reply_count == 1


def test_merge_is_recorded_in_the_audit_log(db, duplicate_pair, facilitator):
    original, duplicate = duplicate_pair
    actions.merge_requests(facilitator, duplicate, original, "Same request, different words")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "merge_request"))
    assert entry.actor_id == facilitator.id and entry.target_id == duplicate.id
    assert entry.reason == "Same request, different words" and entry.after["redirect_to_id"] == original.id


def test_merge_tells_search_about_both_threads(duplicate_pair, facilitator):
    original, duplicate = duplicate_pair
    seen = []

    def receiver(sender, thread, change, **kwargs):
        seen.append((thread.id, change))

    with signals.thread_changed.connected_to(receiver):
        actions.merge_requests(facilitator, duplicate, original)
    assert sorted(seen) == sorted([(duplicate.id, "merge"), (original.id, "merge")])


def test_member_cannot_merge_and_nothing_changes(db, duplicate_pair, member):
    original, duplicate = duplicate_pair
    with pytest.raises(NotAllowed):
        actions.merge_requests(member, duplicate, original)
    assert db.session.get(Thread, duplicate.id).redirect_to_id is None
    assert votes_on(db, duplicate) == 1 and votes_on(db, original) == 1


def test_a_request_cannot_be_merged_into_itself_or_into_a_merged_one(db, duplicate_pair, facilitator, make_thread):
    original, duplicate = duplicate_pair
    with pytest.raises(Invalid):
        actions.merge_requests(facilitator, original, original)
    third = make_thread(title="Yearly plan please", is_feature_request=True)
    actions.merge_requests(facilitator, duplicate, original)
    with pytest.raises(Invalid):
        actions.merge_requests(facilitator, third, db.session.get(Thread, duplicate.id))


def test_voting_on_a_merged_request_is_refused(db, duplicate_pair, facilitator, make_member):
    original, duplicate = duplicate_pair
    actions.merge_requests(facilitator, duplicate, original)
    with pytest.raises(Invalid):
        actions.toggle_vote(make_member(), db.session.get(Thread, duplicate.id))


def test_thread_reference_accepts_a_number_or_an_address(duplicate_pair):
    original, _ = duplicate_pair
    for ref in (str(original.id), f"#{original.id}", f"https://community.example/t/{original.id}/annual-billing"):
        assert actions.resolve_thread_reference(ref).id == original.id
    with pytest.raises(Invalid):
        actions.resolve_thread_reference("the billing one")


def test_feature_request_from_the_composer_counts_the_authors_vote(db, member, make_category):
    thread = create_thread(member, make_category(), "Export my data as CSV", "Please.", is_feature_request=True)
    assert db.session.get(Thread, thread.id).vote_count == 1


def test_recount_command_repairs_vote_counts(db, runner, request_thread, make_thread, make_member):
    other = make_thread(title="Offline mode please", is_feature_request=True)
    actions.toggle_vote(make_member(), other)
    db.session.execute(db.update(Thread).where(Thread.id == request_thread.id).values(vote_count=40))
    db.session.commit()
    result = runner.invoke(args=["ideas", "recount"])
    assert result.exit_code == 0 and "1 of 2 vote counts corrected." in result.output
    db.session.expire_all()
    assert db.session.get(Thread, request_thread.id).vote_count == 1
    assert db.session.get(Thread, other.id).vote_count == 2


def test_author_can_unmark_their_request_until_someone_else_votes(db, make_thread, member, make_member):
    thread = make_thread(author=member, title="Dark mode for the app", is_feature_request=True)
    actions.set_feature_request(member, thread, False)
    actions.set_feature_request(member, thread, True)
    actions.toggle_vote(make_member(), thread)
    with pytest.raises(NotAllowed):
        actions.set_feature_request(member, db.session.get(Thread, thread.id), False)
    assert db.session.get(Thread, thread.id).is_feature_request is True


def test_a_public_request_cannot_be_merged_into_a_staff_only_one(db, duplicate_pair, facilitator, make_thread,
                                                                  make_category):
    _, duplicate = duplicate_pair
    internal = make_thread(author=facilitator, category=make_category("Staff room", staff_only=True),
                           title="Internal: billing periods", is_feature_request=True)
    with pytest.raises(Invalid):
        actions.merge_requests(facilitator, duplicate, internal)
    assert db.session.get(Thread, duplicate.id).redirect_to_id is None
