"""Made-up French names for the demo: horses (a trotter's carries its birth year's letter), people and races."""

from __future__ import annotations

import numpy as np

from courses.importers.payloads import PersonRef

from .params import TROT

PLACES = (
    "Saint-Malo", "Bretagne", "Normandie", "l'Orne", "la Sarthe", "Vichy", "Bordeaux", "Lisieux",
    "Granville", "Vire", "Alençon", "Chartres", "Cholet", "Angers", "Tours", "Blois", "Rouen",
    "Dieppe", "Honfleur", "Fougères", "Vitré", "Morlaix", "Quimper", "Lorient", "Vannes", "Nantes",
    "Saumur", "Niort", "Cognac", "Royan", "Agen", "Pau", "Tarbes", "Nîmes", "Arles", "Avignon",
    "Grasse", "Menton", "Annecy", "Chambéry", "Besançon", "Dijon", "Beaune", "Mâcon", "Nevers",
    "Bourges", "Vierzon", "Limoges", "Brive", "Aurillac", "Rodez", "Albi", "Millau", "Sedan",
    "Reims", "Épernay", "Troyes", "Nancy", "Metz", "Colmar", "Amiens", "Beauvais", "Compiègne",
    "Senlis", "Provins", "Meaux", "Étampes", "Rambouillet", "Dreux", "Évreux", "Bernay", "Falaise",
)
NAMED = ("des Tilleuls", "des Lilas", "du Bocage", "de la Forêt", "des Marronniers", "du Perche",
         "des Charmilles", "de l'Étang", "des Vergers", "du Vieux Moulin", "des Genêts", "de la Source")
SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Legrand",
    "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Henry", "Roussel", "Nicolas", "Perrin",
    "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Fontaine", "Chevalier", "Robin", "Masson",
    "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Roger", "Roche", "Roy", "Noël", "Lucas", "Meunier",
    "Marchand", "Dufour", "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Leroux", "Colin",
    "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal", "Renaud",
    "Lemoine", "Picard", "Gaillard", "Lacroix", "Fabre", "Dupuis", "Olivier", "Hubert", "Guillot",
    "Rivière", "Le Gall", "Adam", "Rey", "Moulin", "Berger", "Lecomte", "Ménard", "Fleury",
)
SYLLABLES = (
    "ba", "bel", "ca", "cha", "da", "del", "do", "fa", "fi", "ga", "gi", "la", "le", "li", "lo", "ma",
    "me", "mi", "mo", "na", "ne", "ni", "no", "pa", "pi", "ra", "re", "ri", "ro", "sa", "se", "si",
    "so", "ta", "te", "ti", "to", "va", "ve", "vi", "vo", "lan", "mar", "tor", "val", "ron", "san",
    "tin", "lis", "nor", "bor", "dal", "mel", "vic", "rin", "sol", "quin", "bri", "cor", "dor",
)
FARMS = ("du Vernay", "de la Roche", "des Pins", "du Bocage", "de Vandel", "d'Ombreval", "des Charmes",
         "du Lys", "de Morvan", "des Landes", "du Pré", "de Belval", "des Noues", "du Mesnil", "de Ravel",
         "du Val", "des Brières", "de Carsac", "du Chêne", "de Loubry")
PLAT_WORDS = ("Star", "Rose", "d'Or", "Bleu", "du Sud", "Royal", "Queen", "King", "Wind", "Dream",
              "de Mai", "Storm", "Light", "Belle", "Spirit", "du Nord")
# French trotters are named with their birth year's letter (2011 = B, 2015 = F, 2005 = R; no Q, W–Z).
TROT_LETTERS = "ABCDEFGHIJKLMNOPRSTUV"


def horse_name(rng: np.random.Generator, family: int, birth_year: int | None) -> str:
    """A made-up French-sounding name; a trotter's starts with its birth year's letter."""
    picks = rng.integers(len(SYLLABLES), size=3)
    word = "".join(SYLLABLES[k] for k in picks[: 2 + int(rng.integers(2))])
    if family == TROT and birth_year is not None:
        letter = TROT_LETTERS[(birth_year - 1989) % len(TROT_LETTERS)]
        vowel = next((k for k, c in enumerate(word) if c in "aeiou"), 0)
        word = letter + (word if letter in "AEIOU" else word[vowel:])
        suffix = f" {FARMS[int(rng.integers(len(FARMS)))]}" if rng.random() < 0.45 else ""
    else:
        suffix = f" {PLAT_WORDS[int(rng.integers(len(PLAT_WORDS)))]}" if rng.random() < 0.35 else ""
    return word.capitalize() + suffix


def person_refs(rng: np.random.Generator, prefix: str, count: int) -> list[PersonRef]:
    """``count`` drivers, jockeys or trainers, ids ``{prefix}001``…, named "J. Surname"."""
    initials = rng.integers(16, size=count)
    surnames = rng.integers(len(SURNAMES), size=count)
    return [PersonRef(f"{prefix}{i + 1:03d}", f"{'ABCDEFGJLMNPRSTY'[initials[i]]}. {SURNAMES[surnames[i]]}")
            for i in range(count)]


def race_name(rng: np.random.Generator) -> str:
    """"Prix de Vichy", "Prix d'Agen", "Prix des Tilleuls": mostly a town, sometimes a named place."""
    place = PLACES[int(rng.integers(len(PLACES)))] if rng.random() < 0.85 else NAMED[int(rng.integers(len(NAMED)))]
    return f"Prix {place}" if place.startswith(("des ", "du ", "de ")) else (
        f"Prix d'{place}" if place[0] in "AEIOUÉÈaeiou" else f"Prix de {place}")
