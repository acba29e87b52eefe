"""Words that say a name belongs to a pet or to someone of the writer's own.

"a basset hound named Beyoncé", "my dog Messi", "my nephew Elon", "a boy named Jordan":
the name is not the star's. The list matcher (`matching.mask_animal_names`,
`matching.mask_first_names`) and the name detector (`names.find_person_name`) both read
these sets, written once here, accent-free and lower case as both see their text.
"""

from __future__ import annotations

ANIMALS = frozenset(
    """
dog dogs puppy puppies pup hound hounds terrier poodle retriever labrador bulldog beagle corgi
dachshund chihuahua pug husky spaniel collie shepherd greyhound whippet dalmatian rottweiler
cat cats kitten kittens kitty tabby moggy horse horses pony foal mare stallion donkey mule
parrot budgie budgerigar cockatoo canary hamster gerbil rabbit bunny goldfish fish turtle
tortoise lizard gecko iguana snake python goat pig piglet cow calf bull sheep lamb chicken
hen rooster duck goose llama alpaca ferret mouse rat hedgehog owl frog toad crab lobster
octopus dolphin whale penguin bear cub tiger lion elephant giraffe monkey sloth raccoon fox
perro perrito perra gato gatito gata chien chienne chiot chat chaton hund hundin katze
kater cane cagnolino gatto gattino cachorro cachorrinho cao gatinho hond kat poes pies kot
dackel mops pudel perrita perritos perritas gatita gatitos cachorra
""".split()
)

# "named", in the languages whose pets and children we have seen named after stars.
NAMED_WORDS = frozenset(
    """
named called llamado llamada nomme nommee appele appelee namens chamado chamada chiamato
chiamata
""".split()
)

# Whose: "my dog", "mi perro", "il mio gatto", "la mia gatta".
POSSESSIVES = frozenset(
    """
my our your his her their mi mis tu su nuestro nuestra mon ma notre mein meine meinen unser
unsere il la mio mia meu minha nosso nossa
""".split()
)

# People a prompt may name by a first name of their own ("my nephew Elon", "a boy named Jordan").
PEOPLE_WORDS = frozenset(
    """
boy boys girl girls son daughter nephew niece brother sister cousin friend kid kids baby grandson
granddaughter grandma grandpa grandmother grandfather uncle aunt auntie husband wife boyfriend
girlfriend classmate student teacher neighbour neighbor coworker colleague child toddler twin
""".split()
)

# Of those, the ones who are children: a child may carry a star's full first name
# ("my son Messi"), whether or not it is a given name anywhere.
CHILD_WORDS = frozenset(
    "son daughter nephew niece kid baby grandson granddaughter toddler twin".split()
)
