"""What the demo customers talk about: the Lumo Home product range, its troubles, wishes and uses."""

# Each product: what people call it, its troubles (short for titles, long for bodies),
# what they wish it did, and what they show off with it.
PRODUCTS = [
    {
        "key": "kettle", "name": "Lumo Kettle Pro", "short": "the kettle", "tag": "kettle",
        "problems": [
            ("doesn't hold temperature", "the keep-warm mode drops to about 70°C after ten minutes even though I set it to 85"),
            ("schedule never fires", "the morning schedule shows as active in the app but the kettle never starts boiling"),
            ("limescale warning won't clear", "the descale light stays on after I ran the descale cycle twice"),
            ("beeps at 6am", "it beeps three times when it reaches temperature and there's no way to silence it"),
            ("lid hinge cracked", "the lid hinge cracked after about four months of normal use"),
        ],
        "features": [
            ("a silent mode", "a setting to turn off the beeps, or at least make them quieter at night"),
            ("custom temperature presets", "more than three presets, named, so green tea and pour-over each get their own"),
            ("a 'boil when I wake' trigger", "starting the kettle when my phone alarm is dismissed instead of a fixed time"),
            ("water level in the app", "the app showing how much water is left so I know to refill from upstairs"),
        ],
        "shows": ["my tea corner", "a pour-over station built around the kettle", "the kettle on a timer for my night shifts"],
    },
    {
        "key": "aircrisp", "name": "Lumo AirCrisp", "short": "the AirCrisp", "tag": "aircrisp",
        "problems": [
            ("basket coating peeling", "the non-stick coating on the basket started flaking after about three months"),
            ("fan rattles at high speed", "there's a rattle from the back whenever the fan goes above 180°C"),
            ("recipes stuck loading", "the guided recipes screen in the app just spins and never loads"),
            ("display goes blank mid-cook", "the display went blank halfway through a cook and the fan kept running"),
            ("smells of plastic", "it still smells of hot plastic after a dozen uses, I followed the burn-in steps"),
        ],
        "features": [
            ("a shake reminder", "a push notification halfway through so I remember to shake the basket"),
            ("two-zone sync", "both baskets finishing at the same time when they cook different things"),
            ("Fahrenheit on the unit", "switching the display between Celsius and Fahrenheit without the app"),
            ("sharing my own recipes", "saving my own programs and sharing them with other owners here"),
        ],
        "shows": ["crispy chickpeas with smoked paprika", "a whole Sunday roast done in the AirCrisp", "my meal-prep routine"],
    },
    {
        "key": "brew", "name": "Lumo Brew", "short": "the Brew", "tag": "coffee",
        "problems": [
            ("coffee tastes burnt", "the coffee tastes burnt since the last update, as if the hot plate runs hotter"),
            ("grinder jams", "the grinder jams on darker oily beans and I have to take the burr out every week"),
            ("carafe drips", "the carafe drips all over the counter whenever I pour the last cup"),
            ("brew size ignored", "it brews a full pot no matter what size I pick in the app"),
        ],
        "features": [
            ("a bloom phase setting", "a longer bloom before the main pour, adjustable per bean"),
            ("bean profiles", "saving grind size and ratio per bag of beans"),
            ("a half-carafe mode", "brewing half a carafe properly, with the hot plate adjusting to it"),
        ],
        "shows": ["my weekend coffee bar", "dialling in a Kenyan light roast", "cold brew experiments"],
    },
    {
        "key": "thermo", "name": "Lumo Thermo", "short": "the thermostat", "tag": "thermostat",
        "problems": [
            ("heating comes on at night", "the heating switches on at 3am even though the schedule says eco until 6"),
            ("geofencing unreliable", "away mode doesn't trigger when we leave, or triggers when my partner is still home"),
            ("reads two degrees high", "the thermostat reads about two degrees higher than two other thermometers in the room"),
            ("boiler wiring confusion", "I can't tell which terminal the boiler's OpenTherm wires go on"),
            ("battery drains in weeks", "the batteries in the wireless sensor last three weeks instead of a year"),
        ],
        "features": [
            ("room-by-room schedules", "different schedules per room with the extra sensors"),
            ("energy reports per month", "a monthly energy report I can export, not just the weekly chart"),
            ("a holiday mode", "a holiday mode with a return date that warms the house up before we get back"),
            ("multiple homes", "managing the flat and my parents' house from one account"),
        ],
        "shows": ["my heating schedule that cut our bill", "the thermostat in a 1930s house", "a dashboard of every room"],
    },
    {
        "key": "plug", "name": "Lumo Plug", "short": "the plugs", "tag": "smart-plug",
        "problems": [
            ("plugs drop offline", "two of my five plugs drop offline every evening and come back after a power cycle"),
            ("energy readings wrong", "the energy readings are clearly off, it says my fridge uses 900 W"),
            ("clicks when idle", "one plug clicks on and off by itself every few minutes"),
            ("can't pair on 5 GHz", "the plug won't pair and I think it's because my router merged 2.4 and 5 GHz"),
        ],
        "features": [
            ("a child lock", "disabling the physical button so the kids can't switch the aquarium off"),
            ("sunrise and sunset timers", "schedules that follow sunset instead of a fixed time"),
            ("grouping plugs", "grouping plugs into scenes like 'movie night'"),
        ],
        "shows": ["fairy lights on a sunset schedule", "measuring what my old freezer really costs", "plugs in the workshop"],
    },
    {
        "key": "sense", "name": "Lumo Sense", "short": "the Sense sensor", "tag": "sensor",
        "problems": [
            ("humidity stuck at 99%", "the bathroom sensor says 99% humidity all day, even with the window open"),
            ("alerts arrive late", "the freezer alert came through forty minutes after the door was left open"),
            ("disappears from the hub", "the sensor disappears from the hub list after every hub restart"),
        ],
        "features": [
            ("alerts by email", "email alerts as well as push, for the holiday cottage where my phone has no signal"),
            ("longer history", "keeping more than 30 days of history so I can compare seasons"),
            ("mould risk warning", "a warning when humidity stays high long enough to risk mould"),
        ],
        "shows": ["tracking damp in a basement flat", "sensors in the greenhouse", "the nursery temperature chart"],
    },
    {
        "key": "app", "name": "Lumo Home app", "short": "the app", "tag": "app",
        "problems": [
            ("logs me out every day", "the app logs me out every single day and I have to find my password again"),
            ("widgets don't update", "the home screen widgets only update when I open the app"),
            ("crashes on Android 15", "the app crashes on launch since my phone updated to Android 15"),
            ("dark mode unreadable", "in dark mode half the labels on the device page are dark grey on black"),
        ],
        "features": [
            ("a web dashboard", "a web version of the dashboard so I can check things from my work laptop"),
            ("shared household accounts", "inviting my partner with their own login instead of sharing mine"),
            ("an open API", "a documented local API so I can connect Home Assistant without the cloud"),
            ("larger text", "respecting the phone's large text setting, my dad can't read the device tiles"),
        ],
        "shows": ["my favourite automations", "a wall tablet running the app", "the app's routines for a rental flat"],
    },
    {
        "key": "hub", "name": "Lumo Hub", "short": "the hub", "tag": "hub",
        "problems": [
            ("won't update firmware", "the hub has been stuck on 'update available' for a week and the update fails at 80%"),
            ("loses Wi-Fi after router reboot", "the hub never reconnects after the router restarts overnight"),
            ("LED too bright", "the status LED lights up the whole bedroom at night"),
        ],
        "features": [
            ("Matter support", "Matter support so the devices show up in other ecosystems"),
            ("local control when offline", "routines that keep working when the internet is down"),
            ("dimming the LED", "an option to dim or switch off the status LED"),
        ],
        "shows": ["the hub hidden in a bookshelf", "my whole-house setup diagram", "a routine that runs the morning"],
    },
]

FIRMWARE = ["2.4.1", "2.4.3", "2.5.0", "2.5.2", "3.0.0", "3.0.1", "3.1.0"]
ROOMS = ["kitchen", "living room", "hallway", "bedroom", "home office", "utility room", "basement", "loft"]
HOMES = ["a small flat", "a terraced house", "a farmhouse", "a new-build", "a basement flat", "a shared house"]
DURATIONS = ["two days", "a week", "about ten days", "three weeks", "a month", "a couple of months"]
TIMES = ["in the morning", "overnight", "every evening", "at random", "after every update", "when the heating is on"]
REQUEST_STATUSES = ["open", "open", "under_review", "planned", "in_progress", "shipped", "declined"]

# (question, tag, answers that fit it)
OFFTOPIC = [
    ("What are you cooking this weekend?", "cooking", ["a big pot of chilli", "dumplings, badly, but with enthusiasm"]),
    ("Favourite podcast while doing the dishes", "podcasts", ["anything about history", "a true-crime show I'm ashamed of"]),
    ("Show us your pets 🐈", "pets", ["a very lazy cat called Biscuit", "two guinea pigs who run the house"]),
    ("Best way to organise a tiny kitchen?", "kitchen", ["magnetic strips for everything", "one gadget in, one gadget out"]),
    ("Anyone else doing a no-spend month?", "budget", ["day nine and I miss takeaway", "it's going better than expected"]),
    ("Sourdough starter names, go", "baking", ["Clint Yeastwood", "Bread Pitt, obviously"]),
    ("Home office plants that survive neglect", "plants", ["a snake plant that has outlived two jobs", "pothos, always pothos"]),
    ("What got you into smart home stuff?", "smart-home", ["a dead radiator in January", "my kids leaving every light on"]),
    ("Tea or coffee, and how do you take it", "tea", ["strong tea, splash of milk", "black coffee, no debate"]),
    ("Recommend me a board game for four", "games", ["Wingspan", "anything co-operative, my family can't lose gracefully"]),
    ("Winter energy saving tips that actually work", "energy", ["thick curtains and a door draught excluder", "heating the room you're in, not the house"]),
    ("DIY projects you're proud of", "diy", ["a spice rack from an old pallet", "finally tiling the bathroom myself"]),
]

ANNOUNCEMENTS = [
    "Welcome to the Lumo Home community",
    "Community guidelines: how we talk to each other here",
    "Firmware {firmware} for the {product} is rolling out",
    "Holiday support hours",
    "What we shipped this month",
    "We're hiring a second community facilitator",
    "Known issue: {product} {problem_short}",
    "Ask us anything: the {product} team, this Thursday",
]

STAFF_ROOM = [
    "Weekly community review",
    "Top feature requests this month",
    "Heads-up: {product} firmware {firmware} and {problem_short}",
    "Draft reply for the {product} recall question",
    "Newcomers who didn't get an answer yet",
    "Roadmap notes for the {product} team",
]

TAGS = ["wifi", "firmware", "setup", "bug", "schedule", "energy", "recipes", "android", "ios", "warranty",
        "automation", "accessibility", "noise", "pairing", "battery"]
