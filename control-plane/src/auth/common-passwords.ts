/**
 * Common passwords and password stems (285), refused at user creation and password reset
 * (password-policy.ts): compared lowercased, whole and with trailing digits and symbols removed.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  `
000000 0123456789 0987654321 111111 1111111111 112233 11223344 121212 123123 123321 1234554321
123456 1234567 12345678 123456789 1234567890 12345678910 12345qwert 1234qwer 123654 123abc 123qwe
147258369 159753 1a2b3c4d 1q2w3e4r 1q2w3e4r5t 1qaz2wsx 654321 666666 696969 789456123 987654321
a1b2c3d4 abc123 abc12345 abcd1234 abcdef abcdefgh abcdefghij abcdefghijkl access admin admin123
admin1234 adminadmin administrator andrew angel anthony anything apple arsenal asdf1234 asdfgh
asdfghjkl ashley autumn azerty baby banana barcelona baseball baseball1 basketball batman bitbucket
blessed business buster changeit changeme changeme123 charlie cheese chelsea chocolate christ
company computer cookie corvette daniel database default demo deploy devflow devops docker doggy
dollar dragon dragon123 dungeon elite everything example facebook family ferrari flower football
football1 forever fortnite freedom friends frodo gandalf ginger github gitlab godlike godmode
goku google guest h4x0r hacker harley heaven hello hello123 hellokitty hobbit hockey honey hunter
iloveyou iloveyou1 iloveyou123 internet jenkins jennifer jessica jesus jordan joshua killer
kitten kitty kubernetes l33t laravel letmein letmein1 letmeinnow linkedin linux liverpool login
lovely loveyou manchester mario master master123 matrix matthew mercedes merlin michael michelle
microsoft minecraft money monkey monkey123 morpheus mustang mypass mypassword mysecret mysql
naruto neo ninja nintendo nobody nothing office onepiece opensesame oracle orange p@ssw0rd p@ssword
pass passpass passw0rd password password1 password12 password123 password1234 password12345
passwordpassword pepper pikachu playstation pokemon porsche postgres princess puppy q1w2e3r4
q1w2e3r4t5 qazwsx qwe123 qweasd qweasdzxc qwerty qwerty1 qwerty12 qwerty123 qwerty1234 qwertyqwerty
qwertyui qwertyuiop qwertyuiopasdfghjkl qwertz ranger robert roblox root root123 rootroot sakura
sample secret secret123 secretpassword server sesame shadow soccer somebody someone sonic spiderman
spring starwars summer sunshine superman supersecret superuser sweet sysadmin test test123 tester
testing testtest thomas tigger toor topsecret trinity trustno1 trustno1234 twitter ubuntu unknown
user vegeta warcraft webmaster welcome welcome1 welcome123 welcomehome whatever whoami william
windows winter wizard xbox zaq12wsx zelda zxcv1234 zxcvbn zxcvbnm
`.split(/\s+/).filter(Boolean),
);
