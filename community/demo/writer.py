"""Composes demo titles and posts from templates and varied fragments, driven by a seeded random.Random."""
from . import catalog

QUESTION_TITLES = [
    "{Product} {problem_short}", "{Product} {problem_short}?", "Help: {product} {problem_short}",
    "Anyone else? {Short} {problem_short}", "{Product} {problem_short} after firmware {firmware}",
    "{Product} {problem_short} — any fix?", "{Product}: {problem_short} ({duration_title})",
    "Frustrated: {product} {problem_short} again",
]
HOWTO_TITLES = [
    "How do I set up {product} in {home}?", "Best settings for the {product}?", "Beginner question about the {product}",
    "{Product} and {product_other} together?", "Where do I find the {product} serial number?",
    "Is the {product} worth it for {home}?",
]
REQUEST_TITLES = [
    "Feature request: {feature_short} for the {product}", "Please add {feature_short}", "{Product}: {feature_short}",
    "Idea: {feature_short}", "Would love {feature_short} on the {product}", "Can we get {feature_short}?",
]
SHOW_TITLES = ["{Show_cap}", "Show & tell: {show}", "{Show_cap} (photos inside)", "Finally happy with {show}",
               "My take on {show}"]

WELCOME = (
    "Hi everyone, and welcome!\n\nThis is where Lumo Home owners help each other, share what they've built and "
    "tell us what to make next. A few things to know:\n\n"
    "- **Staff posts carry a badge.** @fran and @felix host the community; @pat reads every feature request.\n"
    "- **Ask in Product Q&A**, suggest things in *Ideas & Feature Requests*, show off in *Show & Tell*.\n"
    "- Be kind, stay on topic, and never share your serial number or address in public.\n\n"
    "Say hello below and tell us which Lumo devices you have!"
)
OFFTOPIC_TITLES = ["{Question}", "{Question}", "Weekend thread: {question}", "Off-topic: {question}",
                   "{Question} (winter edition)", "Quick poll: {question}"]
GREETINGS = ["", "", "Hi all,\n\n", "Hello everyone!\n\n", "Hey folks,\n\n", "Long-time lurker, first post.\n\n",
             "Morning all.\n\n"]
SIGNOFFS = ["", "", "", "\n\nThanks in advance!", "\n\nCheers,", "\n\nAny ideas welcome.", "\n\nThanks for reading.",
            "\n\n— sent from my phone, sorry for typos"]
SETUPS = [
    "I have the {product} in the {room} of {home}, on firmware {firmware}.",
    "Setup: {product}, firmware {firmware}, app on {phone}, router is {router}.",
    "We've had the {product} for {duration} and it was fine until recently.",
    "Bought the {product} in the spring sale, it lives in the {room}.",
    "My {product} is on firmware {firmware} (checked in Settings › About).",
]
COMPLAINTS = {
    "calm": ["For {duration} now {problem_long}.", "For {duration} {problem_long}, mostly {time}.",
             "Small thing, but {problem_long}."],
    "annoyed": ["Honestly getting tired of this: {problem_long}.", "For {duration} {problem_long}. Not great.",
                "This is the third time I'm asking about this. {Problem_long}."],
    "angry": ["I'm really disappointed. {Problem_long}, and support has not replied in {duration}.",
              "This is not acceptable for a product at this price. {Problem_long}.",
              "Seriously considering returning it. {Problem_long} and nobody seems to care."],
}
TRIED = [
    "What I've tried so far:\n\n1. Restarted the {short}\n2. Removed and re-added it in the app\n3. Factory reset (hold the button for 10 s)\n\nNone of it helped.",
    "I already power-cycled everything and reinstalled the app.",
    "I've checked the help centre article and the steps there don't match what I see in the app.",
    "Tried a factory reset, it worked for a day and then started again.",
    "",
]
QUESTIONS = ["Is this a known issue?", "Does anyone have a workaround?", "Should I contact support for a replacement?",
             "Is there a setting I'm missing?", "@fran is this something the team is looking at?",
             "Is it just me or did {firmware} change something?"]
REQUEST_BODIES = [
    "It would make a real difference to have {feature_long}. Right now I work around it {workaround}.",
    "I love the {product} but I really miss {feature_long}. {Competitor} has had this for a while.",
    "Use case: {use_case}. For that I need {feature_long}.",
    "Simple request: {feature_long}. I'd happily test a beta.",
]
WORKAROUNDS = ["with a separate timer", "by setting reminders on my phone", "with an IFTTT chain that breaks monthly",
               "by writing things on a sticky note", "by unplugging it, which defeats the point"]
USE_CASES = ["I work night shifts and the house sleeps during the day", "my mum lives with us and can't use apps",
             "we rent the flat out on weekends", "I have a toddler who presses every button",
             "I'm away for work half the month"]
COMPETITORS = ["My old no-name gadget", "The cheap one I had before", "Pretty much every other brand",
               "Even my ten-year-old microwave"]
SHOW_BODIES = [
    "Here's {show}. It took a few weekends but I'm really pleased with it.\n\n**What I used:**\n\n- {Product}\n- {product_other}\n- a lot of cable ties\n\nHappy to answer questions!",
    "Wanted to share {show}. The trick was running {short} on a schedule {time} and keeping it in the {room}.",
    "After {duration} of tweaking, {show} finally works the way I wanted. The {product} does most of the heavy lifting.",
    "Not fancy, but {show} has made mornings much calmer in our house. Tips welcome!",
]
OFFTOPIC_BODIES = [
    "Let's have a thread that isn't about firmware for once. {Question} Mine: {answer}.",
    "{Question} I'll start: {answer}.", "Curious what everyone here does. {Question}",
]

MEMBER_REPLIES = {
    "question": [
        "Same here, {problem_long_cut}. Following this thread.",
        "I had exactly this. What fixed it for me was {fix}.",
        "Have you tried {fix}? It sorted mine out, though it took a day to settle.",
        "Not quite the same, but mine misbehaves {time} too. Would love an answer.",
        "I returned mine for this reason; the replacement has been fine for {duration}.",
        "Honestly, mine works fine {time}. Maybe it's the router? Mine is {router}.",
        "Quick question: which firmware are you on? I'm on {firmware} and don't see this.",
        "This is really frustrating, I've had the same problem for {duration} and support keeps sending the same article.",
    ],
    "howto": [
        "Welcome! I set mine up in {home} too. Do the pairing from the hub, not the app, it's much more reliable.",
        "The serial number is on a sticker under the base, and also in the app under Settings › About.",
        "Worth it for us. Start with the defaults for a week, then tweak the schedule.",
        "I use both together with a routine: the {product_other} triggers the {product} {time}.",
    ],
    "request": [
        "+1 to this, {feature_long_cut} would make a real difference.",
        "I'd vote for this twice if I could. {Use_case_cap}.",
        "Yes please. I've been working around it {workaround} for {duration}.",
        "Not sure about this one: I'd rather they fix the bugs first. But I see why you'd want it.",
        "Same use case here. Would happily beta test.",
    ],
    "show": [
        "Great setup! How loud is {short} in the {room}?",
        "Love this, stealing the idea for our {room}.",
        "Thanks for writing this up so clearly, I'm trying it this weekend.",
        "Nice! Did you need the hub for this or does it run on its own?",
    ],
    "offtopic": [
        "Love this thread. Mine: {answer_any}.",
        "Ha, {answer_any} here.",
        "Came for the firmware help, staying for threads like this. Mine: {answer_any}!",
    ],
    "announcement": [
        "Thanks for the heads-up! Updated this morning, all good so far.",
        "Any idea when this reaches the UK? Mine still says up to date.",
        "Updated and {problem_long_cut} is finally gone. Thank you!",
        "After the update mine needed a restart before it showed up again, just so people know.",
    ],
    "staffroom": [
        "I'll take the {product} ones today.",
        "Agreed. Let's not promise dates until the fix is through QA.",
        "Noted. I'll post a known-issue note in Announcements once engineering confirms.",
    ],
}
FIXES = ["moving the router channel to 1 or 6", "turning off 'smart connect' on the router",
         "removing the device and adding it again from the hub, not the app", "updating to firmware {firmware}",
         "a proper factory reset (hold the button until it flashes orange)", "giving it a fixed IP address"]
SUPPORT_REPLIES = [
    "Thanks for flagging this, and sorry for the trouble. We've reproduced it on firmware {firmware} and the fix is in testing now. I'll post here when it ships.",
    "Hi! Could you send me the serial number in a private message? I'd like the team to look at your device's logs.",
    "Good news: this is fixed in firmware {firmware}, which is rolling out over the next few days.",
    "Welcome to the community! A few owners above have good tips — if none of them help, let me know and I'll get support involved.",
    "Quick note for anyone finding this later: the steps in post #2 are the ones support recommends too.",
]
STAFF_REPLIES = {
    "question": SUPPORT_REPLIES,
    "howto": ["Welcome! The quick-start guide in the app (Settings › Help) covers this, and the tips above are spot on.",
              "Welcome to the community! A few owners above have good tips — if none of them help, let me know."],
    "request": ["Thanks for the idea! I've tagged @pat so it's on the product team's radar.",
                "Thanks for explaining the use case, that's exactly what the product team needs to hear."],
    "show": ["That's a lovely setup, thanks for sharing it with everyone!",
             "This is brilliant. Mind if we mention it in the next community round-up? We'd credit you, of course."],
    "offtopic": ["Mine: {answer_any}. Lovely thread, everyone."],
    "announcement": ["Quick update: the rollout is about half-way. If yours hasn't updated by Friday, reply here.",
                     "Thanks everyone for the reports, they really help us."],
    "staffroom": ["I'll take the {product} ones today.",
                  "Agreed. Let's not promise dates until the fix is through QA.",
                  "Noted. I'll post a known-issue note in Announcements once engineering confirms."],
}
OP_REPLIES = ["Thanks everyone, {fix} did the trick!", "Still happening for me unfortunately.",
              "Update: support is sending a replacement.", "Thanks, I'll try that tonight and report back.",
              "Appreciate the quick answer."]
PM_NOTES = {
    "under_review": "We're looking at this with the {product} team and reading every comment here.",
    "planned": "This is planned for a release later this year. Thanks for the detailed use cases.",
    "in_progress": "We're building this now; a beta will open to volunteers from this thread first.",
    "shipped": "Shipped in firmware {firmware}! Update from the app and let us know how it works for you.",
    "declined": "We've decided not to build this for now: it conflicts with the safety certification. Sorry, and thank you for the idea.",
    "open": "",
}
PHONES = ["a Pixel 8", "an iPhone 13", "a Samsung A54", "an old iPhone SE", "a OnePlus 11"]
ROUTERS = ["a mesh system", "the ISP's own router", "a Fritz!Box", "a TP-Link Deco", "an old Netgear"]


class Writer:
    """Writes one thread's worth of text at a time; the same random sequence gives the same text."""

    def __init__(self, rng):
        self.rng = rng

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def context(self, kind, product=None):
        """The facts a thread is about: product, trouble or wish, and colour for the prose."""
        rng = self.rng
        product = product or self.pick(catalog.PRODUCTS)
        other = self.pick([p for p in catalog.PRODUCTS if p is not product])
        problem_short, problem_long = self.pick(product["problems"])
        feature_short, feature_long = self.pick(product["features"])
        show = self.pick(product["shows"])
        topic, topic_tag, answers = self.pick(catalog.OFFTOPIC)
        ctx = {
            "kind": kind, "product_key": product["key"], "product_tag": product["tag"], "topic_tag": topic_tag,
            "product": product["name"], "short": product["short"], "product_other": other["name"],
            "problem_short": problem_short, "problem_long": problem_long,
            "problem_long_cut": problem_long.split(",")[0], "feature_short": feature_short,
            "feature_long": feature_long, "feature_long_cut": feature_long.split(",")[0], "show": show,
            "firmware": self.pick(catalog.FIRMWARE), "room": self.pick(catalog.ROOMS), "home": self.pick(catalog.HOMES),
            "duration": self.pick(catalog.DURATIONS), "time": self.pick(catalog.TIMES), "phone": self.pick(PHONES),
            "router": self.pick(ROUTERS), "workaround": self.pick(WORKAROUNDS), "use_case": self.pick(USE_CASES),
            "question": topic, "answer": self.pick(answers), "answers": answers, "mood": self.pick(["calm", "calm", "annoyed", "angry"]),
        }
        ctx["fix"] = self.pick(FIXES).format(**ctx)
        ctx["duration_title"] = self.pick(["two days now", "all week", "since day one", "a month now",
                                           "since the update", "again"])
        ctx["competitor"] = self.pick(COMPETITORS)
        for key in ("product", "short", "problem_long", "show", "use_case", "question", "competitor"):
            ctx[key.capitalize() if key != "show" else "Show_cap"] = ctx[key][:1].upper() + ctx[key][1:]
        ctx["Use_case_cap"] = ctx["Use_case"]
        ctx["status"] = self.pick(catalog.REQUEST_STATUSES) if kind == "request" else "open"
        rng.random()  # keeps later draws stable if a field above is added
        return ctx

    def fill(self, template, ctx):
        return template.format(**ctx)

    def title(self, ctx):
        kind = ctx["kind"]
        if kind == "question":
            title = self.fill(self.pick(QUESTION_TITLES), ctx)
        elif kind == "howto":
            title = self.fill(self.pick(HOWTO_TITLES), ctx)
        elif kind == "request":
            title = self.fill(self.pick(REQUEST_TITLES), ctx)
        elif kind == "show":
            title = self.fill(self.pick(SHOW_TITLES), ctx)
        elif kind == "offtopic":
            title = self.fill(self.pick(OFFTOPIC_TITLES), ctx)
        elif kind == "announcement":
            title = self.fill(self.pick(catalog.ANNOUNCEMENTS), ctx)
        else:
            title = self.fill(self.pick(catalog.STAFF_ROOM), ctx)
        return title[:1].upper() + title[1:]

    def tags(self, ctx):
        tags = [ctx["topic_tag"]] if ctx["kind"] == "offtopic" else [ctx["product_tag"]]
        for _ in range(self.rng.randrange(3)):
            tag = self.pick(catalog.TAGS)
            if tag not in tags:
                tags.append(tag)
        return tags

    def opening(self, ctx):
        """The first post of a thread, its length and tone varying with the mood."""
        kind = ctx["kind"]
        parts = [self.pick(GREETINGS) if kind not in ("announcement", "staffroom") else ""]
        if kind == "question":
            parts += [self.fill(self.pick(SETUPS), ctx), " ", self.fill(self.pick(COMPLAINTS[ctx["mood"]]), ctx)]
            tried = self.fill(self.pick(TRIED), ctx)
            if tried:
                parts += ["\n\n", tried]
            parts += ["\n\n", self.fill(self.pick(QUESTIONS), ctx)]
        elif kind == "howto":
            parts += [self.fill(self.pick(SETUPS), ctx), "\n\n",
                      self.fill("I'm new to this. Is there a guide for using it with the {product_other}? "
                                "I mostly want it to run {time} without me thinking about it.", ctx)]
        elif kind == "request":
            parts += [self.fill(self.pick(REQUEST_BODIES), ctx)]
            if self.rng.random() < 0.4:
                parts += ["\n\n", self.fill("> {Use_case_cap}\n\nThat's the short version of why this matters to us.", ctx)]
        elif kind == "show":
            parts += [self.fill(self.pick(SHOW_BODIES), ctx)]
        elif kind == "offtopic":
            parts += [self.fill(self.pick(OFFTOPIC_BODIES), ctx)]
        elif kind == "announcement":
            parts += [self.fill(
                "Hi everyone,\n\nA quick update from the team about the **{product}**. Firmware {firmware} is rolling out "
                "over the next two weeks. It fixes the issue where {problem_long} and improves Wi-Fi reconnection.\n\n"
                "If something looks off after the update, reply here and include your firmware version.", ctx)]
        else:
            parts += [self.fill(
                "Notes for the team: owners are reporting that {problem_long}. Mood in those threads is {mood}. "
                "Let's answer the oldest ones first and avoid promising dates. @felix can you take the {room} ones?", ctx)]
        parts.append(self.pick(SIGNOFFS))
        return "".join(parts).strip()

    def reply(self, ctx, voice):
        """A reply in one of four voices: member, staff, the opening poster, or the product manager."""
        ctx = dict(ctx, answer_any=self.pick(ctx["answers"]))
        kind = ctx["kind"]
        if voice == "staff":
            return self.fill(self.pick(STAFF_REPLIES[kind]), ctx)
        if voice == "op":
            return self.fill(self.pick(OP_REPLIES), ctx)
        if voice == "pm":
            return self.fill(PM_NOTES[ctx["status"]] or PM_NOTES["under_review"], ctx)
        text = self.fill(self.pick(MEMBER_REPLIES[kind]), ctx)
        if kind == "question" and self.rng.random() < 0.25:
            text += " " + self.fill(self.pick(["Mine is on firmware {firmware}.", "We're in {home}, if that matters.",
                                               "Router is {router}.", "Happens {time} here."]), ctx)
        return text
