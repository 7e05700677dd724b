"""The demo's people: staff with fixed names, ~30 customers, and more generated for large loads."""

DEMO_PASSWORD = "password"

# (username, role, display name, location, bio, interests)
STAFF = [
    ("fran", "facilitator", "Fran Okafor", "Manchester, UK",
     "Community facilitator at Lumo Home. I read every thread, and I'll always say so when I'm speaking for the team.",
     ["community", "coffee", "thermostat"]),
    ("felix", "facilitator", "Felix Brandt", "Leipzig, Germany",
     "Facilitator on the Lumo team. Previously support for the hub and plugs. Ask me about Wi-Fi.",
     ["hub", "smart-plug", "wifi"]),
    ("pat", "product_manager", "Pat Lindqvist", "Stockholm, Sweden",
     "Product manager for the Lumo kitchen range. Feature requests land on my desk: please tell me *why* you need it.",
     ["kettle", "aircrisp", "coffee"]),
    ("ada", "admin", "Ada Moreau", "Lyon, France",
     "Keeps the community running. Mostly invisible, occasionally fixing categories.",
     ["community", "app"]),
]

MEMBERS = [
    ("maria_k", "Maria Kowalski", "Kraków, Poland", "Night-shift nurse. The kettle schedule is my best friend.", ["kettle", "tea"]),
    ("dev_dan", "Dan Whitaker", "Leeds, UK", "Software tester by day, home automation tinkerer by night.", ["hub", "automation", "app"]),
    ("brewing_bea", "Bea Santos", "Porto, Portugal", "Coffee nerd. Yes, I weigh my beans.", ["coffee", "recipes"]),
    ("tomasz", "Tomasz Nowak", "Gdańsk, Poland", "Renovating a 1930s house one radiator at a time.", ["thermostat", "diy", "energy"]),
    ("priya_r", "Priya Raman", "Bangalore, India", "Air fryer convert. Feeding two teenagers.", ["aircrisp", "recipes", "cooking"]),
    ("oldmanjenkins", "Geoff Jenkins", "Swansea, UK", "Retired electrician. Ask me about wiring, not apps.", ["thermostat", "diy"]),
    ("lena_h", "Lena Hoffmann", "Hamburg, Germany", "Plants, tea and a cat called Biscuit.", ["sensor", "plants", "tea"]),
    ("sam_tinkers", "Sam Okoye", "Lagos, Nigeria", "Making my parents' house smarter from 3,000 km away.", ["smart-plug", "app"]),
    ("chloe_bakes", "Chloé Martin", "Bordeaux, France", "Sourdough, pastries and too many kitchen gadgets.", ["baking", "aircrisp"]),
    ("mike_dad_of_3", "Mike Harris", "Austin, USA", "Three kids, one dog, zero free time.", ["smart-plug", "energy", "kettle"]),
    ("yuki", "Yuki Tanaka", "Osaka, Japan", "Minimalist flat, maximal automations.", ["automation", "hub", "sensor"]),
    ("ravi_energy", "Ravi Patel", "Leicester, UK", "Tracking every watt. Spreadsheets welcome.", ["energy", "smart-plug", "thermostat"]),
    ("greta_gardens", "Greta Lind", "Uppsala, Sweden", "Greenhouse sensors and too many tomatoes.", ["sensor", "plants"]),
    ("jo_accessibility", "Jo Fraser", "Edinburgh, UK", "Low vision. I test apps with large text and a screen reader.", ["accessibility", "app"]),
    ("marco_espresso", "Marco Bianchi", "Turin, Italy", "Filter coffee is not coffee. I'm here anyway.", ["coffee"]),
    ("hannah_w", "Hannah Weiss", "Vienna, Austria", "Landlady of a holiday flat. Remote control everything.", ["thermostat", "app", "sensor"]),
    ("kwame", "Kwame Mensah", "Accra, Ghana", "Engineer, weekend cook, reluctant early adopter.", ["aircrisp", "hub"]),
    ("lucy_in_leeds", "Lucy Taylor", "Leeds, UK", "First smart home, learning as I go.", ["setup", "kettle"]),
    ("fernando", "Fernando Ruiz", "Valencia, Spain", "Paella in the AirCrisp? Challenge accepted.", ["aircrisp", "cooking"]),
    ("ingrid_n", "Ingrid Nilsen", "Bergen, Norway", "Cold winters, warm house, low bills.", ["thermostat", "energy"]),
    ("ben_builds", "Ben Carter", "Bristol, UK", "Woodworker. My workshop plugs are on a schedule.", ["smart-plug", "diy"]),
    ("aisha_m", "Aisha Malik", "Birmingham, UK", "Mum of twins, queen of routines.", ["automation", "kettle"]),
    ("petra_v", "Petra Vos", "Utrecht, Netherlands", "Tea sommelier in training.", ["tea", "kettle"]),
    ("noah_reviews", "Noah Kim", "Toronto, Canada", "I review gadgets on weekends. Honest, sometimes grumpy.", ["app", "hub", "aircrisp"]),
    ("sofia_g", "Sofia Greco", "Athens, Greece", "Architect. Sensors in every room of a very old house.", ["sensor", "thermostat"]),
    ("dave_offgrid", "Dave Murphy", "Cork, Ireland", "Solar panels, batteries and a lot of opinions.", ["energy", "smart-plug"]),
    ("emma_cooks", "Emma Johansson", "Malmö, Sweden", "Meal prep every Sunday, no exceptions.", ["aircrisp", "recipes"]),
    ("li_wei", "Li Wei", "Singapore", "Humidity is my nemesis.", ["sensor", "hub"]),
    ("carlos_t", "Carlos Teixeira", "São Paulo, Brazil", "Coffee farmer's grandson, filter coffee sceptic.", ["coffee", "app"]),
    ("zoe_newbie", "Zoë Adams", "Cardiff, UK", "Just bought my first Lumo kettle!", ["kettle", "setup"]),
]

FIRST_NAMES = ["Alex", "Jamie", "Robin", "Sasha", "Kim", "Noor", "Ola", "Mateo", "Ines", "Ravi", "Mei", "Tariq",
               "Elena", "Jonas", "Amara", "Liam", "Freya", "Omar", "Hana", "Luca", "Nia", "Pavel", "Rosa", "Theo"]
LAST_NAMES = ["Smith", "Garcia", "Novak", "Okafor", "Larsen", "Ito", "Costa", "Byrne", "Haddad", "Meyer", "Silva",
              "Kaur", "Dubois", "Rossi", "Berg", "Walker", "Nakamura", "Popescu", "Ahmed", "Evans"]
PLACES = ["London, UK", "Dublin, Ireland", "Berlin, Germany", "Madrid, Spain", "Oslo, Norway", "Chicago, USA",
          "Melbourne, Australia", "Lisbon, Portugal", "Glasgow, UK", "Zürich, Switzerland", "Nairobi, Kenya", ""]
INTERESTS = ["kettle", "tea", "coffee", "aircrisp", "recipes", "thermostat", "energy", "smart-plug", "sensor", "hub",
             "app", "automation", "diy", "plants", "accessibility", "cooking", "baking"]


def email_for(username):
    return f"{username.replace('.', '_')}@example.com"


def extra_member(rng, number):
    """A generated customer for large loads: plausible name, place and interests, unique username."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    username = f"{first.lower()}_{last.lower()}{number}"
    interests = sorted(set(rng.sample(INTERESTS, rng.randint(1, 3))))
    bio = f"{rng.choice(['Owner of', 'Happy with', 'Still learning', 'Testing'])} the {interests[0]} kit."
    return username, f"{first} {last}", rng.choice(PLACES), bio, interests
